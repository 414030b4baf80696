"""Who may book what: qualifications, the categories that require them and the members granted them (with an
expiry), fair-use limits per member and category, and approval of new accounts before their first booking.
Accounts that exist already count as approved when they were made.

Revision ID: 0023
Revises: 0025
"""
from alembic import op
import sqlalchemy as sa


revision = '0023'
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('access_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('approve_new_accounts', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_access_settings'))
    )
    op.create_table('qualification',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('how_to_get', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_qualification')),
    sa.UniqueConstraint('name', name=op.f('uq_qualification_name'))
    )
    op.create_table('category_limits',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('max_at_once', sa.Integer(), nullable=True),
    sa.Column('max_hours_per_week', sa.Integer(), nullable=True),
    sa.Column('max_bookings_per_week', sa.Integer(), nullable=True),
    sa.CheckConstraint('max_at_once IS NULL OR max_at_once >= 1', name=op.f('ck_category_limits_at_once_positive')),
    sa.CheckConstraint('max_bookings_per_week IS NULL OR max_bookings_per_week >= 1', name=op.f('ck_category_limits_bookings_positive')),
    sa.CheckConstraint('max_hours_per_week IS NULL OR max_hours_per_week >= 1', name=op.f('ck_category_limits_hours_positive')),
    sa.ForeignKeyConstraint(['category_id'], ['category.id'], name=op.f('fk_category_limits_category_id_category')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_category_limits')),
    sa.UniqueConstraint('category_id', name=op.f('uq_category_limits_category_id'))
    )
    op.create_table('category_qualification',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('qualification_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['category_id'], ['category.id'], name=op.f('fk_category_qualification_category_id_category')),
    sa.ForeignKeyConstraint(['qualification_id'], ['qualification.id'], name=op.f('fk_category_qualification_qualification_id_qualification')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_category_qualification')),
    sa.UniqueConstraint('category_id', 'qualification_id', name='uq_category_qualification_category_id_qualification_id')
    )
    with op.batch_alter_table('category_qualification', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_category_qualification_category_id'), ['category_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_category_qualification_qualification_id'), ['qualification_id'], unique=False)

    op.create_table('qualification_grant',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('qualification_id', sa.Integer(), nullable=False),
    sa.Column('expires_on', sa.Date(), nullable=True),
    sa.Column('granted_by_id', sa.Integer(), nullable=True),
    sa.Column('granted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['granted_by_id'], ['member.id'], name=op.f('fk_qualification_grant_granted_by_id_member')),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_qualification_grant_member_id_member')),
    sa.ForeignKeyConstraint(['qualification_id'], ['qualification.id'], name=op.f('fk_qualification_grant_qualification_id_qualification')),
    sa.ForeignKeyConstraint(['revoked_by_id'], ['member.id'], name=op.f('fk_qualification_grant_revoked_by_id_member')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_qualification_grant')),
    sa.UniqueConstraint('member_id', 'qualification_id', name='uq_qualification_grant_member_id_qualification_id')
    )
    with op.batch_alter_table('qualification_grant', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_qualification_grant_member_id'), ['member_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_qualification_grant_qualification_id'), ['qualification_id'], unique=False)

    with op.batch_alter_table('member', schema=None) as batch_op:
        batch_op.add_column(sa.Column('approved_at', sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE member SET approved_at = created_at")


def downgrade():
    with op.batch_alter_table('member', schema=None) as batch_op:
        batch_op.drop_column('approved_at')

    with op.batch_alter_table('qualification_grant', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_qualification_grant_qualification_id'))
        batch_op.drop_index(batch_op.f('ix_qualification_grant_member_id'))

    op.drop_table('qualification_grant')
    with op.batch_alter_table('category_qualification', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_category_qualification_qualification_id'))
        batch_op.drop_index(batch_op.f('ix_category_qualification_category_id'))

    op.drop_table('category_qualification')
    op.drop_table('category_limits')
    op.drop_table('qualification')
    op.drop_table('access_settings')
