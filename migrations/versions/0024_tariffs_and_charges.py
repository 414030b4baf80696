"""Tariffs per category or per asset (replacing the category usage fee), the price a booking showed, and charges
and adjustments in members' ledgers (one charge per booking).

Revision ID: 0024
Revises: 0020
"""
from alembic import op
import sqlalchemy as sa


revision = '0024'
down_revision = '0020'
branch_labels = None
depends_on = None

RATES = ('per_hour_minor', 'per_day_minor', 'per_km_minor', 'per_engine_hour_minor', 'minimum_minor',
         'deposit_minor', 'late_fee_per_hour_minor', 'no_show_fee_minor')


def upgrade():
    op.create_table('tariff',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=True),
    sa.Column('asset_id', sa.Integer(), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=False),
    *(sa.Column(rate, sa.Integer(), nullable=True) for rate in RATES),
    sa.Column('late_grace_minutes', sa.Integer(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('(category_id IS NULL) <> (asset_id IS NULL)', name=op.f('ck_tariff_one_scope')),
    sa.CheckConstraint('late_grace_minutes BETWEEN 0 AND 1440', name=op.f('ck_tariff_grace_range')),
    *(sa.CheckConstraint(f'{rate} IS NULL OR {rate} >= 0',
                         name=op.f(f"ck_tariff_{rate.removesuffix('_minor')}_nonnegative")) for rate in RATES),
    sa.ForeignKeyConstraint(['asset_id'], ['asset.id'], name=op.f('fk_tariff_asset_id_asset')),
    sa.ForeignKeyConstraint(['category_id'], ['category.id'], name=op.f('fk_tariff_category_id_category')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['member.id'], name=op.f('fk_tariff_updated_by_id_member')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tariff')),
    sa.UniqueConstraint('asset_id', name=op.f('uq_tariff_asset_id')),
    sa.UniqueConstraint('category_id', name=op.f('uq_tariff_category_id'))
    )
    op.execute("INSERT INTO tariff (category_id, currency, per_hour_minor, per_km_minor, late_grace_minutes, "
               "updated_by_id, updated_at) SELECT category_id, currency, per_hour_minor, per_km_minor, 0, "
               "updated_by_id, updated_at FROM category_fee")
    op.drop_table('category_fee')
    op.create_table('booking_price',
    sa.Column('booking_id', sa.Integer(), nullable=False),
    sa.Column('amount_minor', sa.Integer(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('computation', sa.String(length=500), nullable=False),
    sa.Column('terms', sa.JSON(), nullable=False),
    sa.Column('quoted_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('amount_minor >= 0', name=op.f('ck_booking_price_amount_nonnegative')),
    sa.ForeignKeyConstraint(['booking_id'], ['booking.id'], name=op.f('fk_booking_price_booking_id_booking'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('booking_id', name=op.f('pk_booking_price'))
    )
    with op.batch_alter_table('ledger_entry', schema=None) as batch_op:
        batch_op.add_column(sa.Column('computation', sa.String(length=500), server_default='', nullable=False))
        batch_op.add_column(sa.Column('charged_booking_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('adjusts_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_ledger_entry_adjusts_id'), ['adjusts_id'], unique=False)
        batch_op.create_unique_constraint(batch_op.f('uq_ledger_entry_charged_booking_id'), ['charged_booking_id'])
        batch_op.create_foreign_key(batch_op.f('fk_ledger_entry_charged_booking_id_booking'), 'booking',
                                    ['charged_booking_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_ledger_entry_adjusts_id_ledger_entry'), 'ledger_entry',
                                    ['adjusts_id'], ['id'])
        batch_op.drop_constraint(op.f('ck_ledger_entry_amount_positive'), type_='check')
        batch_op.create_check_constraint(op.f('ck_ledger_entry_amount_sign'),
                                         "amount_minor > 0 OR (kind = 'adjustment' AND amount_minor <> 0)")


def downgrade():
    # Charges and adjustments have no place in the older ledger: they are removed with their columns.
    op.execute("DELETE FROM ledger_entry WHERE kind IN ('charge', 'adjustment')")
    with op.batch_alter_table('ledger_entry', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_ledger_entry_amount_sign'), type_='check')
        batch_op.create_check_constraint(op.f('ck_ledger_entry_amount_positive'), 'amount_minor > 0')
        batch_op.drop_constraint(batch_op.f('fk_ledger_entry_adjusts_id_ledger_entry'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_ledger_entry_charged_booking_id_booking'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_ledger_entry_charged_booking_id'), type_='unique')
        batch_op.drop_index(batch_op.f('ix_ledger_entry_adjusts_id'))
        batch_op.drop_column('adjusts_id')
        batch_op.drop_column('charged_booking_id')
        batch_op.drop_column('computation')
    op.drop_table('booking_price')
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
    op.execute("INSERT INTO category_fee (category_id, currency, per_hour_minor, per_km_minor, updated_by_id, "
               "updated_at) SELECT category_id, currency, per_hour_minor, per_km_minor, updated_by_id, updated_at "
               "FROM tariff WHERE category_id IS NOT NULL")
    op.drop_table('tariff')
