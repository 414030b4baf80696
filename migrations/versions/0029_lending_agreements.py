"""Lending agreements between pools: `lending_agreement` (lender and borrower pool, status, approval, limits per
borrowing member) and `lending_agreement_category` (the lender's categories it covers).

Revision ID: 0029
Revises: 0026
"""
import sqlalchemy as sa
from alembic import op

revision = "0029"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "lending_agreement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lender_pool_id", sa.Integer(), nullable=False),
        sa.Column("borrower_pool_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.Enum("offered", "active", "ended", name="agreementstatus", native_enum=False,
                                    length=20), nullable=False),
        sa.Column("requires_approval", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("max_at_once", sa.Integer(), nullable=True),
        sa.Column("max_hours_per_week", sa.Integer(), nullable=True),
        sa.Column("max_bookings_per_week", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("accepted_by_id", sa.Integer(), nullable=True),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_by_id", sa.Integer(), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("lender_pool_id <> borrower_pool_id", name=op.f("ck_lending_agreement_two_pools")),
        sa.CheckConstraint("max_at_once IS NULL OR max_at_once >= 1",
                           name=op.f("ck_lending_agreement_at_once_positive")),
        sa.CheckConstraint("max_hours_per_week IS NULL OR max_hours_per_week >= 1",
                           name=op.f("ck_lending_agreement_hours_positive")),
        sa.CheckConstraint("max_bookings_per_week IS NULL OR max_bookings_per_week >= 1",
                           name=op.f("ck_lending_agreement_bookings_positive")),
        sa.ForeignKeyConstraint(["lender_pool_id"], ["pool.id"], name=op.f("fk_lending_agreement_lender_pool_id_pool")),
        sa.ForeignKeyConstraint(["borrower_pool_id"], ["pool.id"],
                                name=op.f("fk_lending_agreement_borrower_pool_id_pool")),
        sa.ForeignKeyConstraint(["created_by_id"], ["member.id"],
                                name=op.f("fk_lending_agreement_created_by_id_member")),
        sa.ForeignKeyConstraint(["accepted_by_id"], ["member.id"],
                                name=op.f("fk_lending_agreement_accepted_by_id_member")),
        sa.ForeignKeyConstraint(["ended_by_id"], ["member.id"], name=op.f("fk_lending_agreement_ended_by_id_member")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lending_agreement")),
    )
    with op.batch_alter_table("lending_agreement", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_lending_agreement_lender_pool_id"), ["lender_pool_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_lending_agreement_borrower_pool_id"), ["borrower_pool_id"],
                              unique=False)
    op.create_table(
        "lending_agreement_category",
        sa.Column("agreement_id", sa.Integer(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["agreement_id"], ["lending_agreement.id"], ondelete="CASCADE",
                                name=op.f("fk_lending_agreement_category_agreement_id_lending_agreement")),
        sa.ForeignKeyConstraint(["category_id"], ["category.id"],
                                name=op.f("fk_lending_agreement_category_category_id_category")),
        sa.PrimaryKeyConstraint("agreement_id", "category_id", name=op.f("pk_lending_agreement_category")),
    )
    with op.batch_alter_table("lending_agreement_category", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_lending_agreement_category_category_id"), ["category_id"], unique=False)


def downgrade():
    with op.batch_alter_table("lending_agreement_category", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lending_agreement_category_category_id"))
    op.drop_table("lending_agreement_category")
    with op.batch_alter_table("lending_agreement", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lending_agreement_borrower_pool_id"))
        batch_op.drop_index(batch_op.f("ix_lending_agreement_lender_pool_id"))
    op.drop_table("lending_agreement")
