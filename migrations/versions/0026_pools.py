"""Pools: one installation runs several pools. Creates `pool` and `pool_membership`, one default pool that
holds everything that exists, and `pool_id` on the tables that carry their pool (hubs, categories,
qualifications, decision rules, proposals, optimiser and planning runs, ledger entries). Every existing member
joins the default pool; coordinators as its coordinators (they keep role "coordinator" on the member row too).

Revision ID: 0026
Revises: 0021
"""
import os
from datetime import datetime, timezone

import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0027"
branch_labels = None
depends_on = None

# (table, whether pool_id is unique there): the decision rules are one row per pool
POOLED_TABLES = (("hub", False), ("category", False), ("qualification", False), ("governance_rules", True),
                 ("proposal", False), ("optimiser_run", False), ("planning_run", False), ("ledger_entry", False))


def upgrade():
    op.create_table(
        "pool",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=60), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("description", sa.Text(), server_default="", nullable=False),
        sa.Column("public", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pool")),
        sa.UniqueConstraint("slug", name=op.f("uq_pool_slug")),
    )
    op.create_table(
        "pool_membership",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pool_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.Enum("member", "coordinator", name="poolrole", native_enum=False, length=20),
                  nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"], name=op.f("fk_pool_membership_member_id_member")),
        sa.ForeignKeyConstraint(["pool_id"], ["pool.id"], name=op.f("fk_pool_membership_pool_id_pool")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pool_membership")),
        sa.UniqueConstraint("pool_id", "member_id", name="uq_pool_membership_pool_id_member_id"),
    )
    with op.batch_alter_table("pool_membership", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pool_membership_member_id"), ["member_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_pool_membership_pool_id"), ["pool_id"], unique=False)

    now = datetime.now(timezone.utc)
    if op.get_bind().dialect.name == "sqlite":  # stored as naive UTC there, like every instant (UTCDateTime)
        now = now.replace(tzinfo=None)
    pool = sa.table("pool", sa.column("id", sa.Integer), sa.column("slug", sa.String), sa.column("name", sa.String),
                    sa.column("description", sa.Text), sa.column("public", sa.Boolean),
                    sa.column("created_at", sa.DateTime(timezone=True)))
    op.bulk_insert(pool, [{"id": 1, "slug": "default", "name": os.environ.get("COMMONPOOL_POOL_NAME") or "Commonpool",
                           "description": "", "public": True, "created_at": now}])
    op.execute(sa.text("INSERT INTO pool_membership (pool_id, member_id, role, created_at) "
                       "SELECT 1, id, CASE WHEN role = 'coordinator' THEN 'coordinator' ELSE 'member' END, "
                       "created_at FROM member"))
    if op.get_bind().dialect.name == "postgresql":  # the explicit id 1 above did not move the sequence
        op.execute(sa.text("SELECT setval(pg_get_serial_sequence('pool', 'id'), (SELECT MAX(id) FROM pool))"))

    for table, unique in POOLED_TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("pool_id", sa.Integer(), nullable=True))
        op.execute(sa.text(f"UPDATE {table} SET pool_id = 1"))
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column("pool_id", existing_type=sa.Integer(), nullable=False)
            batch_op.create_foreign_key(batch_op.f(f"fk_{table}_pool_id_pool"), "pool", ["pool_id"], ["id"])
            if unique:
                batch_op.create_unique_constraint(batch_op.f(f"uq_{table}_pool_id"), ["pool_id"])
            else:
                batch_op.create_index(batch_op.f(f"ix_{table}_pool_id"), ["pool_id"], unique=False)


def downgrade():
    # Going back to one pool per installation: every row stays, whatever pool it was in.
    for table, unique in reversed(POOLED_TABLES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            if unique:
                batch_op.drop_constraint(batch_op.f(f"uq_{table}_pool_id"), type_="unique")
            else:
                batch_op.drop_index(batch_op.f(f"ix_{table}_pool_id"))
            batch_op.drop_constraint(batch_op.f(f"fk_{table}_pool_id_pool"), type_="foreignkey")
            batch_op.drop_column("pool_id")
    with op.batch_alter_table("pool_membership", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pool_membership_pool_id"))
        batch_op.drop_index(batch_op.f("ix_pool_membership_member_id"))
    op.drop_table("pool_membership")
    op.drop_table("pool")
