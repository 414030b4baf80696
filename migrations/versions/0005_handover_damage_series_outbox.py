"""Handover (check-out/in records), damage reports, recurring booking series, the email outbox on
notifications and email preferences; category handover rules (coordinator-only, no-show grace, checklist).

Existing categories get no no-show grace (never released) so that history from before check-out existed is
not turned into no-shows; existing notifications are marked "skipped" so they are never emailed.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27 21:35:30.393628

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('booking_series',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('asset_id', sa.Integer(), nullable=False),
    sa.Column('first_date', sa.Date(), nullable=False),
    sa.Column('start_time', sa.Time(), nullable=False),
    sa.Column('duration_minutes', sa.Integer(), nullable=False),
    sa.Column('interval_days', sa.Integer(), nullable=False),
    sa.Column('occurrences', sa.Integer(), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('skipped', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('duration_minutes > 0', name=op.f('ck_booking_series_duration_positive')),
    sa.CheckConstraint('interval_days > 0', name=op.f('ck_booking_series_interval_positive')),
    sa.CheckConstraint('occurrences > 0', name=op.f('ck_booking_series_occurrences_positive')),
    sa.ForeignKeyConstraint(['asset_id'], ['asset.id'], name=op.f('fk_booking_series_asset_id_asset')),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_booking_series_member_id_member')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_booking_series'))
    )
    with op.batch_alter_table('booking_series', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_booking_series_member_id'), ['member_id'], unique=False)

    op.create_table('notification_preference',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('email', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_notification_preference_member_id_member')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification_preference')),
    sa.UniqueConstraint('member_id', 'kind', name='uq_notification_preference_member_id_kind')
    )
    op.create_table('damage_report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('asset_id', sa.Integer(), nullable=False),
    sa.Column('booking_id', sa.Integer(), nullable=True),
    sa.Column('reported_by_id', sa.Integer(), nullable=False),
    sa.Column('reported_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('unusable', sa.Boolean(), nullable=False),
    sa.Column('photo_name', sa.String(length=64), nullable=True),
    sa.Column('photo_content_type', sa.String(length=40), nullable=True),
    sa.Column('status', sa.Enum('open', 'repaired', name='damagestatus', native_enum=False, length=20), nullable=False),
    sa.Column('repaired_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('repaired_by_id', sa.Integer(), nullable=True),
    sa.Column('repair_cost_minor', sa.Integer(), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('repair_note', sa.Text(), nullable=False),
    sa.CheckConstraint('repair_cost_minor IS NULL OR repair_cost_minor >= 0', name=op.f('ck_damage_report_repair_cost_nonnegative')),
    sa.ForeignKeyConstraint(['asset_id'], ['asset.id'], name=op.f('fk_damage_report_asset_id_asset')),
    sa.ForeignKeyConstraint(['booking_id'], ['booking.id'], name=op.f('fk_damage_report_booking_id_booking')),
    sa.ForeignKeyConstraint(['repaired_by_id'], ['member.id'], name=op.f('fk_damage_report_repaired_by_id_member')),
    sa.ForeignKeyConstraint(['reported_by_id'], ['member.id'], name=op.f('fk_damage_report_reported_by_id_member')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_damage_report'))
    )
    with op.batch_alter_table('damage_report', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_damage_report_asset_id'), ['asset_id'], unique=False)

    op.create_table('handover',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('booking_id', sa.Integer(), nullable=False),
    sa.Column('asset_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('check_out', 'check_in', name='handoverkind', native_enum=False, length=20), nullable=False),
    sa.Column('by_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('meter_reading', sa.Float(), nullable=True),
    sa.Column('checklist', sa.JSON(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.CheckConstraint('meter_reading IS NULL OR meter_reading >= 0', name=op.f('ck_handover_meter_nonnegative')),
    sa.ForeignKeyConstraint(['asset_id'], ['asset.id'], name=op.f('fk_handover_asset_id_asset')),
    sa.ForeignKeyConstraint(['booking_id'], ['booking.id'], name=op.f('fk_handover_booking_id_booking')),
    sa.ForeignKeyConstraint(['by_id'], ['member.id'], name=op.f('fk_handover_by_id_member')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_handover')),
    sa.UniqueConstraint('booking_id', 'kind', name='uq_handover_booking_id_kind')
    )
    with op.batch_alter_table('handover', schema=None) as batch_op:
        batch_op.create_index('ix_handover_asset_id_at', ['asset_id', 'at'], unique=False)

    with op.batch_alter_table('booking', schema=None) as batch_op:
        batch_op.add_column(sa.Column('series_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_booking_series_id'), ['series_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_booking_series_id_booking_series'), 'booking_series', ['series_id'], ['id'])

    with op.batch_alter_table('category', schema=None) as batch_op:
        batch_op.add_column(sa.Column('handover_by_coordinator', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('no_show_grace_minutes', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('condition_checklist', sa.String(length=1000), server_default='', nullable=False))
        batch_op.create_check_constraint(
            op.f('ck_category_grace_nonnegative'), 'no_show_grace_minutes IS NULL OR no_show_grace_minutes >= 0')

    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email_status', sa.String(length=10), server_default='skipped', nullable=False))
        batch_op.add_column(sa.Column('emailed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_notification_email_status'), ['email_status'], unique=False)



def downgrade():
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notification_email_status'))
        batch_op.drop_column('emailed_at')
        batch_op.drop_column('email_status')

    with op.batch_alter_table('category', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_category_grace_nonnegative'), type_='check')
        batch_op.drop_column('condition_checklist')
        batch_op.drop_column('no_show_grace_minutes')
        batch_op.drop_column('handover_by_coordinator')

    with op.batch_alter_table('booking', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_booking_series_id_booking_series'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_booking_series_id'))
        batch_op.drop_column('series_id')

    with op.batch_alter_table('handover', schema=None) as batch_op:
        batch_op.drop_index('ix_handover_asset_id_at')

    op.drop_table('handover')
    with op.batch_alter_table('damage_report', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_damage_report_asset_id'))

    op.drop_table('damage_report')
    op.drop_table('notification_preference')
    with op.batch_alter_table('booking_series', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_booking_series_member_id'))

    op.drop_table('booking_series')
