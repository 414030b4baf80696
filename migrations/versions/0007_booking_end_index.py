"""An index on (asset_id, end_at) for bookings, so period queries can bound the scan from below.

Period queries ask for bookings with start_at < period end AND end_at > period start. The existing index on
(asset_id, start_at) serves only the first half, which for a recent period means scanning all history; this
one lets the planner start at the period.

Revision ID: 0007
Revises: 0006
"""
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("booking", schema=None) as batch_op:
        batch_op.create_index("ix_booking_asset_id_end_at", ["asset_id", "end_at"], unique=False)


def downgrade():
    with op.batch_alter_table("booking", schema=None) as batch_op:
        batch_op.drop_index("ix_booking_asset_id_end_at")
