"""Federation between installations: this installation's key pair, partners, seen nonces, remote items,
remote bookings (asked of a partner) and partner bookings (answered here, one per idempotency key).

Revision ID: 0027
Revises: 0021
"""
import sqlalchemy as sa
from alembic import op

revision = "0027"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "installation_key",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key_id", sa.String(length=64), nullable=False),
        sa.Column("public_key", sa.String(length=64), nullable=False),
        sa.Column("private_key", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_installation_key")),
        sa.UniqueConstraint("key_id", name=op.f("uq_installation_key_key_id")),
    )
    op.create_table(
        "federation_partner",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("base_url", sa.String(length=300), nullable=False),
        sa.Column("key_id", sa.String(length=64), nullable=False),
        sa.Column("public_key", sa.String(length=64), nullable=False),
        sa.Column("status", sa.Enum("active", "revoked", name="partnerstatus", native_enum=False, length=10),
                  nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("etags", sa.JSON(), nullable=False),
        sa.Column("documents", sa.JSON(), nullable=False),
        sa.Column("last_success_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=300), nullable=False),
        sa.Column("last_error_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"], name=op.f("fk_federation_partner_member_id_member")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_federation_partner")),
        sa.UniqueConstraint("base_url", name=op.f("uq_federation_partner_base_url")),
        sa.UniqueConstraint("key_id", name=op.f("uq_federation_partner_key_id")),
    )
    op.create_table(
        "federation_nonce",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("nonce", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["partner_id"], ["federation_partner.id"],
                                name=op.f("fk_federation_nonce_partner_id_federation_partner")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_federation_nonce")),
        sa.UniqueConstraint("partner_id", "nonce", name=op.f("uq_federation_nonce_partner_id")),
    )
    op.create_index(op.f("ix_federation_nonce_created_at"), "federation_nonce", ["created_at"], unique=False)
    op.create_table(
        "remote_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("remote_id", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("category", sa.String(length=120), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=False),
        sa.Column("location_name", sa.String(length=200), nullable=False),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("free", sa.JSON(), nullable=False),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["partner_id"], ["federation_partner.id"],
                                name=op.f("fk_remote_item_partner_id_federation_partner")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_remote_item")),
        sa.UniqueConstraint("partner_id", "remote_id", name=op.f("uq_remote_item_partner_id")),
    )
    op.create_index(op.f("ix_remote_item_partner_id"), "remote_item", ["partner_id"], unique=False)
    op.create_table(
        "remote_booking",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("remote_item_id", sa.String(length=100), nullable=False),
        sa.Column("item_name", sa.String(length=200), nullable=False),
        sa.Column("start_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("end_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("idempotency_key", sa.String(length=64), nullable=False),
        sa.Column("status", sa.Enum("pending", "waiting", "confirmed", "refused", "failed", "cancelled",
                                    name="remotebookingstatus", native_enum=False, length=10), nullable=False),
        sa.Column("partner_booking_id", sa.String(length=64), nullable=True),
        sa.Column("message", sa.String(length=500), nullable=False),
        sa.Column("released", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"], name=op.f("fk_remote_booking_member_id_member")),
        sa.ForeignKeyConstraint(["partner_id"], ["federation_partner.id"],
                                name=op.f("fk_remote_booking_partner_id_federation_partner")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_remote_booking")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_remote_booking_idempotency_key")),
    )
    op.create_index(op.f("ix_remote_booking_member_id"), "remote_booking", ["member_id"], unique=False)
    op.create_index(op.f("ix_remote_booking_partner_id"), "remote_booking", ["partner_id"], unique=False)
    op.create_table(
        "partner_booking",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=64), nullable=False),
        sa.Column("booking_id", sa.Integer(), nullable=True),
        sa.Column("answer", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["booking_id"], ["booking.id"], name=op.f("fk_partner_booking_booking_id_booking")),
        sa.ForeignKeyConstraint(["partner_id"], ["federation_partner.id"],
                                name=op.f("fk_partner_booking_partner_id_federation_partner")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partner_booking")),
        sa.UniqueConstraint("partner_id", "idempotency_key", name=op.f("uq_partner_booking_partner_id")),
    )
    op.create_index(op.f("ix_partner_booking_partner_id"), "partner_booking", ["partner_id"], unique=False)


def downgrade():
    op.drop_index(op.f("ix_partner_booking_partner_id"), table_name="partner_booking")
    op.drop_table("partner_booking")
    op.drop_index(op.f("ix_remote_booking_partner_id"), table_name="remote_booking")
    op.drop_index(op.f("ix_remote_booking_member_id"), table_name="remote_booking")
    op.drop_table("remote_booking")
    op.drop_index(op.f("ix_remote_item_partner_id"), table_name="remote_item")
    op.drop_table("remote_item")
    op.drop_index(op.f("ix_federation_nonce_created_at"), table_name="federation_nonce")
    op.drop_table("federation_nonce")
    op.drop_table("federation_partner")
    op.drop_table("installation_key")
