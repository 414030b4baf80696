"""Members' own things in the pool: owned items and their terms, weekly availability windows and dated
exceptions, the pool's bounds on owners' shares, both parties' handover confirmations, and the reimbursement
of each charge to the owner (once per charge).

Revision ID: 0025
Revises: 0022
"""
import sqlalchemy as sa
from alembic import op


revision = "0025"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "owned_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("asset_id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("approval_mode", sa.Enum("every_booking", "first_time", "none", name="approvalmode",
                                           native_enum=False, length=20), nullable=False),
        sa.Column("owner_share_percent", sa.Integer(), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("at_owner_place", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("listed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("owner_share_percent BETWEEN 0 AND 100", name=op.f("ck_owned_item_share_range")),
        sa.ForeignKeyConstraint(["asset_id"], ["asset.id"], name=op.f("fk_owned_item_asset_id_asset")),
        sa.ForeignKeyConstraint(["owner_id"], ["member.id"], name=op.f("fk_owned_item_owner_id_member")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_owned_item")),
        sa.UniqueConstraint("asset_id", name=op.f("uq_owned_item_asset_id")),
    )
    op.create_index(op.f("ix_owned_item_owner_id"), "owned_item", ["owner_id"], unique=False)
    op.create_table(
        "availability_window",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owned_item_id", sa.Integer(), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("start_minute", sa.Integer(), nullable=False),
        sa.Column("end_minute", sa.Integer(), nullable=False),
        sa.CheckConstraint("weekday BETWEEN 0 AND 6", name=op.f("ck_availability_window_weekday_range")),
        sa.CheckConstraint("start_minute >= 0 AND end_minute <= 1440 AND end_minute > start_minute",
                           name=op.f("ck_availability_window_minutes_range")),
        sa.ForeignKeyConstraint(["owned_item_id"], ["owned_item.id"],
                                name=op.f("fk_availability_window_owned_item_id_owned_item")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_availability_window")),
    )
    op.create_index(op.f("ix_availability_window_owned_item_id"), "availability_window", ["owned_item_id"],
                    unique=False)
    op.create_table(
        "availability_exception",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owned_item_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.Enum("available", "unavailable", "owner_use", name="exceptionkind", native_enum=False,
                                  length=20), nullable=False),
        sa.Column("start_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("end_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.String(length=300), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("end_at > start_at", name=op.f("ck_availability_exception_end_after_start")),
        sa.ForeignKeyConstraint(["owned_item_id"], ["owned_item.id"],
                                name=op.f("fk_availability_exception_owned_item_id_owned_item")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_availability_exception")),
    )
    op.create_index(op.f("ix_availability_exception_owned_item_id"), "availability_exception", ["owned_item_id"],
                    unique=False)
    op.create_table(
        "owner_share_bounds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("min_percent", sa.Integer(), nullable=False),
        sa.Column("max_percent", sa.Integer(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("min_percent >= 0 AND max_percent <= 100 AND max_percent >= min_percent",
                           name=op.f("ck_owner_share_bounds_bounds_range")),
        sa.ForeignKeyConstraint(["updated_by_id"], ["member.id"],
                                name=op.f("fk_owner_share_bounds_updated_by_id_member")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_owner_share_bounds")),
    )
    op.create_table(
        "handover_confirmation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("booking_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["booking_id"], ["booking.id"],
                                name=op.f("fk_handover_confirmation_booking_id_booking")),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"], name=op.f("fk_handover_confirmation_member_id_member")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_handover_confirmation")),
        sa.UniqueConstraint("booking_id", "kind", "member_id", name=op.f("uq_handover_confirmation_once")),
    )
    op.create_index(op.f("ix_handover_confirmation_booking_id"), "handover_confirmation", ["booking_id"],
                    unique=False)
    op.create_table(
        "owner_reimbursement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owned_item_id", sa.Integer(), nullable=False),
        sa.Column("booking_id", sa.Integer(), nullable=False),
        sa.Column("charge_minor", sa.Integer(), nullable=False),
        sa.Column("charged_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ledger_entry_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["booking_id"], ["booking.id"], name=op.f("fk_owner_reimbursement_booking_id_booking")),
        sa.ForeignKeyConstraint(["ledger_entry_id"], ["ledger_entry.id"],
                                name=op.f("fk_owner_reimbursement_ledger_entry_id_ledger_entry")),
        sa.ForeignKeyConstraint(["owned_item_id"], ["owned_item.id"],
                                name=op.f("fk_owner_reimbursement_owned_item_id_owned_item")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_owner_reimbursement")),
        sa.UniqueConstraint("booking_id", "charged_at", "charge_minor", name=op.f("uq_owner_reimbursement_charge")),
    )
    op.create_index(op.f("ix_owner_reimbursement_owned_item_id"), "owner_reimbursement", ["owned_item_id"],
                    unique=False)


def downgrade():
    op.drop_index(op.f("ix_owner_reimbursement_owned_item_id"), table_name="owner_reimbursement")
    op.drop_table("owner_reimbursement")
    op.drop_index(op.f("ix_handover_confirmation_booking_id"), table_name="handover_confirmation")
    op.drop_table("handover_confirmation")
    op.drop_table("owner_share_bounds")
    op.drop_index(op.f("ix_availability_exception_owned_item_id"), table_name="availability_exception")
    op.drop_table("availability_exception")
    op.drop_index(op.f("ix_availability_window_owned_item_id"), table_name="availability_window")
    op.drop_table("availability_window")
    op.drop_index(op.f("ix_owned_item_owner_id"), table_name="owned_item")
    op.drop_table("owned_item")
