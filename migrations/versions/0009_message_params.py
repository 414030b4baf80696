"""Values for stored messages, so notifications and attention notes are translated when read.

Revision ID: 0009
Revises: 0008
"""
import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.add_column(sa.Column("message_params", sa.JSON(), nullable=True))
    with op.batch_alter_table("booking", schema=None) as batch_op:
        batch_op.add_column(sa.Column("attention_params", sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table("booking", schema=None) as batch_op:
        batch_op.drop_column("attention_params")
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.drop_column("message_params")
