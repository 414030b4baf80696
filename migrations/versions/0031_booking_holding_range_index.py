"""An index of the holding bookings by their time range (PostgreSQL): the search asks which assets are held at
some time in [from, until), across every asset at once. The exclusion constraint's index leads with the asset,
so answering that through it meant one probe per asset, each reading all of the asset's bookings.

Revision ID: 0031
Revises: 0030
"""
import sqlalchemy as sa
from alembic import op

revision = "0031"
down_revision = "0030"
branch_labels = None
depends_on = None

INDEX = "ix_booking_holding_range"
HOLDING_SQL = "status IN ('pending', 'confirmed', 'checked_out')"  # as fleet.models.bookings.HOLDING_SQL


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return  # SQLite has no range type; its search compares the instants
    op.create_index(INDEX, "booking", [sa.text("tstzrange(start_at, end_at, '[)')")], postgresql_using="gist",
                    postgresql_where=sa.text(HOLDING_SQL))


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index(INDEX, table_name="booking")
