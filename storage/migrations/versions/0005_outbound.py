"""Outbound relay: recruiters' thread replies waiting to become WhatsApp messages (the WhatsApp outbox).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table('whatsapp_outbox',
    sa.Column('id', BIG_ID, primary_key=True, autoincrement=True),
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('slack_channel_id', sa.String(length=32), nullable=False),
    sa.Column('slack_ts', sa.String(length=32), nullable=False),
    sa.Column('thread_ts', sa.String(length=32), nullable=False),
    sa.Column('slack_user_id', sa.String(length=32), nullable=False),
    sa.Column('conversation_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('files', sa.Text(), nullable=False),
    sa.Column('plan', sa.Text(), nullable=True),
    sa.Column('next_part', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reconcile_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('error_code', sa.Integer(), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id']),
    sa.UniqueConstraint('slack_channel_id', 'slack_ts', name='uq_whatsapp_outbox_slack_message'),
    )
    op.create_index('ix_whatsapp_outbox_lane_state', 'whatsapp_outbox', ['conversation_id', 'state', 'id'])
    op.create_index('ix_whatsapp_outbox_due', 'whatsapp_outbox', ['state', 'next_attempt_at'])


def downgrade() -> None:
    op.drop_index('ix_whatsapp_outbox_due', table_name='whatsapp_outbox')
    op.drop_index('ix_whatsapp_outbox_lane_state', table_name='whatsapp_outbox')
    op.drop_table('whatsapp_outbox')
