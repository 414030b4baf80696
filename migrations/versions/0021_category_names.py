"""Category names per language: coordinators give a category's name in each language the pool speaks
({"fr": "Vélos cargo", "de": "Lastenräder"}); readers see the one for their language, else the default name.

Revision ID: 0021
Revises: 0023
"""
import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("category", schema=None) as batch_op:
        batch_op.add_column(sa.Column("name_translations", sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table("category", schema=None) as batch_op:
        batch_op.drop_column("name_translations")
