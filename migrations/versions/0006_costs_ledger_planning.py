"""Open-book costs: cost records per asset, usage fees per category, members' ledgers (integer minor units
with a currency, never floats); stored fleet-planning runs.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27 21:37:53.764958

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('category_fee',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('per_hour_minor', sa.Integer(), nullable=True),
    sa.Column('per_km_minor', sa.Integer(), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('per_hour_minor IS NULL OR per_hour_minor >= 0', name=op.f('ck_category_fee_per_hour_nonnegative')),
    sa.CheckConstraint('per_km_minor IS NULL OR per_km_minor >= 0', name=op.f('ck_category_fee_per_km_nonnegative')),
    sa.ForeignKeyConstraint(['category_id'], ['category.id'], name=op.f('fk_category_fee_category_id_category')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['member.id'], name=op.f('fk_category_fee_updated_by_id_member')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_category_fee')),
    sa.UniqueConstraint('category_id', name=op.f('uq_category_fee_category_id'))
    )
    op.create_table('cost_record',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('asset_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('maintenance', 'repair', 'insurance', 'yearly', 'other', name='costkind', native_enum=False, length=20), nullable=False),
    sa.Column('amount_minor', sa.Integer(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('incurred_on', sa.Date(), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('amount_minor >= 0', name=op.f('ck_cost_record_amount_nonnegative')),
    sa.ForeignKeyConstraint(['asset_id'], ['asset.id'], name=op.f('fk_cost_record_asset_id_asset')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['member.id'], name=op.f('fk_cost_record_recorded_by_id_member')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cost_record'))
    )
    with op.batch_alter_table('cost_record', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cost_record_asset_id'), ['asset_id'], unique=False)
        batch_op.create_index('ix_cost_record_incurred_on', ['incurred_on'], unique=False)

    op.create_table('planning_run',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('started_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('period_start', sa.DateTime(timezone=True), nullable=False),
    sa.Column('period_end', sa.DateTime(timezone=True), nullable=False),
    sa.Column('time_limit_seconds', sa.Float(), nullable=False),
    sa.Column('wall_seconds', sa.Float(), nullable=False),
    sa.Column('requests_count', sa.Integer(), nullable=False),
    sa.Column('assets_count', sa.Integer(), nullable=False),
    sa.Column('instance_json', sa.Text(), nullable=False),
    sa.Column('result_json', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['started_by_id'], ['member.id'], name=op.f('fk_planning_run_started_by_id_member')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_planning_run'))
    )
    op.create_table('ledger_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('fee', 'payment', name='ledgerkind', native_enum=False, length=20), nullable=False),
    sa.Column('amount_minor', sa.Integer(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('entry_date', sa.Date(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=True),
    sa.Column('booking_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('amount_minor > 0', name=op.f('ck_ledger_entry_amount_positive')),
    sa.ForeignKeyConstraint(['booking_id'], ['booking.id'], name=op.f('fk_ledger_entry_booking_id_booking')),
    sa.ForeignKeyConstraint(['category_id'], ['category.id'], name=op.f('fk_ledger_entry_category_id_category')),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_ledger_entry_member_id_member')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['member.id'], name=op.f('fk_ledger_entry_recorded_by_id_member')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_entry'))
    )
    with op.batch_alter_table('ledger_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ledger_entry_member_id'), ['member_id'], unique=False)



def downgrade():
    with op.batch_alter_table('ledger_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ledger_entry_member_id'))

    op.drop_table('ledger_entry')
    op.drop_table('planning_run')
    with op.batch_alter_table('cost_record', schema=None) as batch_op:
        batch_op.drop_index('ix_cost_record_incurred_on')
        batch_op.drop_index(batch_op.f('ix_cost_record_asset_id'))

    op.drop_table('cost_record')
    op.drop_table('category_fee')
