"""The lending catalogue: asset photos (a re-encoded photo and its thumbnail) and an asset's use instructions.

Revision ID: 0022
Revises: 0024
"""
import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("asset", schema=None) as batch_op:
        batch_op.add_column(sa.Column("use_instructions", sa.Text(), server_default="", nullable=False))
    op.create_table(
        "asset_photo",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("asset_id", sa.Integer(), nullable=False),
        sa.Column("file_name", sa.String(length=40), nullable=False),
        sa.Column("thumb_name", sa.String(length=40), nullable=False),
        sa.Column("alt_text", sa.String(length=200), server_default="", nullable=False),
        sa.Column("position", sa.Integer(), server_default="0", nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["asset_id"], ["asset.id"], name=op.f("fk_asset_photo_asset_id_asset")),
        sa.ForeignKeyConstraint(["uploaded_by_id"], ["member.id"], name=op.f("fk_asset_photo_uploaded_by_id_member")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_asset_photo")),
        sa.UniqueConstraint("file_name", name=op.f("uq_asset_photo_file_name")),
        sa.UniqueConstraint("thumb_name", name=op.f("uq_asset_photo_thumb_name")),
    )
    with op.batch_alter_table("asset_photo", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_asset_photo_asset_id"), ["asset_id"], unique=False)


def downgrade():
    with op.batch_alter_table("asset_photo", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_asset_photo_asset_id"))
    op.drop_table("asset_photo")
    with op.batch_alter_table("asset", schema=None) as batch_op:
        batch_op.drop_column("use_instructions")
