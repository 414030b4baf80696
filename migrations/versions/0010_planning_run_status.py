"""Fleet plans are computed by a background job: a planning run has a status, a progress line, an error and
the time it finished; its instance and report are empty until then. Plans stored before were computed in
the request, so they are finished (at the time they were made).

Revision ID: 0010
Revises: 0009
"""
import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

STATUS = sa.Enum("queued", "running", "finished", "failed", name="planningstatus", native_enum=False, length=20)


def upgrade():
    with op.batch_alter_table("planning_run", schema=None) as batch_op:
        batch_op.add_column(sa.Column("status", STATUS, server_default="finished", nullable=False))
        batch_op.add_column(sa.Column("progress", sa.String(length=300), server_default="Finished", nullable=False))
        batch_op.add_column(sa.Column("error", sa.Text(), server_default="", nullable=False))
        batch_op.add_column(sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.alter_column("instance_json", existing_type=sa.Text(), nullable=True)
        batch_op.alter_column("result_json", existing_type=sa.Text(), nullable=True)
    op.execute("UPDATE planning_run SET finished_at = created_at")
    # The defaults above were for the rows that existed; new runs get theirs from the model (queued).
    with op.batch_alter_table("planning_run", schema=None) as batch_op:
        batch_op.alter_column("status", existing_type=STATUS, existing_nullable=False, server_default=None)
        batch_op.alter_column("progress", existing_type=sa.String(length=300), existing_nullable=False,
                              server_default="")


def downgrade():
    # A plan that never finished has nothing to keep in the old shape (instance and report were required).
    op.execute("DELETE FROM planning_run WHERE instance_json IS NULL OR result_json IS NULL")
    with op.batch_alter_table("planning_run", schema=None) as batch_op:
        batch_op.alter_column("result_json", existing_type=sa.Text(), nullable=False)
        batch_op.alter_column("instance_json", existing_type=sa.Text(), nullable=False)
        batch_op.drop_column("finished_at")
        batch_op.drop_column("error")
        batch_op.drop_column("progress")
        batch_op.drop_column("status")
