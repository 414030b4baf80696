"""The index of the holding bookings by their time range carries the asset and the instants too (PostgreSQL): the
search's "which assets are held in [from, until)" is then answered from the index alone, without a visit to each
booking's row (at ten times the demo about 550 bookings on 520 pages, 1.4 of the statement's ms; 0.6 from the index).
An index-only scan needs the columns of the range's expression in the index as well as the asset.

Revision ID: 0032
Revises: 0031
"""
import sqlalchemy as sa
from alembic import op

revision = "0032"
down_revision = "0031"
branch_labels = None
depends_on = None

INDEX = "ix_booking_holding_range"
HOLDING_SQL = "status IN ('pending', 'confirmed', 'checked_out')"  # as fleet.models.bookings.HOLDING_SQL


def _create(include: list[str] | None) -> None:
    op.create_index(INDEX, "booking", [sa.text("tstzrange(start_at, end_at, '[)')")], postgresql_using="gist",
                    postgresql_where=sa.text(HOLDING_SQL), postgresql_include=include or [])


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return  # SQLite has no range type; its search compares the instants
    op.drop_index(INDEX, table_name="booking")
    _create(["asset_id", "start_at", "end_at"])


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index(INDEX, table_name="booking")
    _create(None)
