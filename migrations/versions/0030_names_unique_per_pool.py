"""Hub and category names are unique inside their pool, no longer across the installation: two pools on one
installation may each have "Cargo bikes" and a "Town hall" hub.

Revision ID: 0030
Revises: 0029
"""
from alembic import op

revision = "0030"
down_revision = "0029"
branch_labels = None
depends_on = None


def upgrade():
    for table in ("hub", "category"):
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_constraint(f"uq_{table}_name", type_="unique")
            batch_op.create_unique_constraint(f"uq_{table}_pool_id_name", ["pool_id", "name"])


def downgrade():
    # Fails, as it should, when two pools share a name: the old rule cannot hold those rows.
    for table in ("hub", "category"):
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_constraint(f"uq_{table}_pool_id_name", type_="unique")
            batch_op.create_unique_constraint(f"uq_{table}_name", ["name"])
