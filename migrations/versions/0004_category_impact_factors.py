"""A coordinator's choice and overrides of impact factors per category.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 10:00:00

"""
from alembic import op
import sqlalchemy as sa



revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('category_impact_factors',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('factor_key', sa.String(length=60), nullable=True),
    sa.Column('overrides', sa.JSON(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['category_id'], ['category.id'],
                            name=op.f('fk_category_impact_factors_category_id_category')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['member.id'],
                            name=op.f('fk_category_impact_factors_updated_by_id_member')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_category_impact_factors')),
    sa.UniqueConstraint('category_id', name=op.f('uq_category_impact_factors_category_id'))
    )


def downgrade():
    op.drop_table('category_impact_factors')
