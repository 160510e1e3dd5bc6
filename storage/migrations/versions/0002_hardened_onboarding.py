"""Hardened onboarding: connect-link lineage (root time, retry count), numbers released to another workspace,
rate-limit windows shared by every instance.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('connect_states', schema=None) as batch_op:
        batch_op.add_column(sa.Column('root_created_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('retry_count', sa.Integer(), nullable=False, server_default='0'))
        batch_op.create_index('ix_connect_states_team_id', ['team_id'], unique=False)

    # A number can move to another workspace once its old account is disconnected: the old row stays (with
    # its history) marked released, and only one live row per phone_number_id may exist.
    with op.batch_alter_table('phone_numbers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('released_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.drop_index('ix_phone_numbers_phone_number_id')
        batch_op.create_index('ix_phone_numbers_phone_number_id', ['phone_number_id'], unique=False)
    op.create_index('uq_phone_numbers_live_phone_number_id', 'phone_numbers', ['phone_number_id'], unique=True,
                    sqlite_where=sa.text('released_at IS NULL'), postgresql_where=sa.text('released_at IS NULL'))

    op.create_table('rate_limit_windows',
    sa.Column('bucket', sa.String(length=160), nullable=False),
    sa.Column('window_start', sa.DateTime(timezone=True), nullable=False),
    sa.Column('hits', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('bucket', 'window_start')
    )
    op.create_index('ix_rate_limit_windows_window_start', 'rate_limit_windows', ['window_start'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_rate_limit_windows_window_start', table_name='rate_limit_windows')
    op.drop_table('rate_limit_windows')
    op.drop_index('uq_phone_numbers_live_phone_number_id', table_name='phone_numbers')
    with op.batch_alter_table('phone_numbers', schema=None) as batch_op:
        batch_op.drop_index('ix_phone_numbers_phone_number_id')
        batch_op.create_index('ix_phone_numbers_phone_number_id', ['phone_number_id'], unique=True)
        batch_op.drop_column('released_at')
    with op.batch_alter_table('connect_states', schema=None) as batch_op:
        batch_op.drop_index('ix_connect_states_team_id')
        batch_op.drop_column('retry_count')
        batch_op.drop_column('root_created_at')
