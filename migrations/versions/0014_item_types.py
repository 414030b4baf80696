"""Asset types inside a category (a jigsaw, a band saw, a car model), the types a flexible request allows,
and the first-come-first-served solution kept with an optimiser run for its per-request preview.

Revision ID: 0014
Revises: 0013
"""
import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("asset", schema=None) as batch_op:
        batch_op.add_column(sa.Column("asset_type", sa.String(length=80), server_default="", nullable=False))
    with op.batch_alter_table("flexible_request", schema=None) as batch_op:
        batch_op.add_column(sa.Column("asset_types", sa.JSON(), nullable=True))
    with op.batch_alter_table("optimiser_run", schema=None) as batch_op:
        batch_op.add_column(sa.Column("fcfs_solution_json", sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table("optimiser_run", schema=None) as batch_op:
        batch_op.drop_column("fcfs_solution_json")
    with op.batch_alter_table("flexible_request", schema=None) as batch_op:
        batch_op.drop_column("asset_types")
    with op.batch_alter_table("asset", schema=None) as batch_op:
        batch_op.drop_column("asset_type")
