"""Inbound relay: the webhook inbox, conversations, mirrored messages, statuses, the Slack outbox.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    with op.batch_alter_table('phone_numbers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('slack_problem', sa.Text(), nullable=True))

    op.create_table('webhook_inbox',
    sa.Column('id', BIG_ID, primary_key=True, autoincrement=True),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('body', sa.LargeBinary(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('processed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('fields', sa.String(length=255), nullable=True),
    sa.Column('phone_number_ids', sa.String(length=255), nullable=True),
    sa.Column('waba_ids', sa.String(length=255), nullable=True),
    sa.Column('outcome', sa.Text(), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    )
    op.create_index('ix_webhook_inbox_due', 'webhook_inbox', ['state', 'next_attempt_at'])

    op.create_table('conversations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('phone_number_row_id', sa.Integer(), nullable=False),
    sa.Column('candidate_key', sa.String(length=160), nullable=False),
    sa.Column('wa_id', sa.String(length=32), nullable=True),
    sa.Column('user_id', sa.String(length=160), nullable=True),
    sa.Column('username', sa.String(length=128), nullable=True),
    sa.Column('profile_name', sa.String(length=255), nullable=True),
    sa.Column('slack_channel_id', sa.String(length=32), nullable=True),
    sa.Column('thread_ts', sa.String(length=32), nullable=True),
    sa.Column('last_inbound_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('window_shown_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('marketing_opt_out', sa.Boolean(), nullable=False),
    sa.Column('unread_count', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['phone_number_row_id'], ['phone_numbers.id']),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('phone_number_row_id', 'candidate_key', name='uq_conversations_number_candidate'),
    )
    op.create_index('ix_conversations_phone_number_row_id', 'conversations', ['phone_number_row_id'])

    op.create_table('messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('wamid', sa.String(length=255), nullable=False),
    sa.Column('conversation_id', sa.Integer(), nullable=False),
    sa.Column('direction', sa.String(length=4), nullable=False),
    sa.Column('type', sa.String(length=32), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('text', sa.Text(), nullable=True),
    sa.Column('slack_ts', sa.String(length=32), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=True),
    sa.Column('pricing_category', sa.String(length=48), nullable=True),
    sa.Column('billable', sa.Boolean(), nullable=True),
    sa.Column('edited', sa.Boolean(), nullable=False),
    sa.Column('revoked', sa.Boolean(), nullable=False),
    sa.Column('reaction', sa.String(length=100), nullable=True),
    sa.Column('inbox_id', BIG_ID, nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id']),
    sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_messages_wamid', 'messages', ['wamid'], unique=True)
    op.create_index('ix_messages_conversation_id', 'messages', ['conversation_id'])

    op.create_table('message_statuses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('wamid', sa.String(length=255), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('error_code', sa.Integer(), nullable=True),
    sa.Column('error_title', sa.Text(), nullable=True),
    sa.Column('pricing_category', sa.String(length=48), nullable=True),
    sa.Column('billable', sa.Boolean(), nullable=True),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('wamid', 'status', name='uq_message_statuses_wamid_status'),
    )
    op.create_index('ix_message_statuses_wamid', 'message_statuses', ['wamid'])

    op.create_table('slack_outbox',
    sa.Column('id', BIG_ID, primary_key=True, autoincrement=True),
    sa.Column('dedupe_key', sa.String(length=255), nullable=False, unique=True),
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('channel_id', sa.String(length=32), nullable=True),
    sa.Column('lane', sa.String(length=64), nullable=False),
    sa.Column('conversation_id', sa.Integer(), sa.ForeignKey('conversations.id'), nullable=True),
    sa.Column('message_id', sa.Integer(), sa.ForeignKey('messages.id'), nullable=True),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('args', sa.Text(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('outcome_unknown', sa.Boolean(), nullable=False),
    sa.Column('result_ts', sa.String(length=32), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index('ix_slack_outbox_lane_state', 'slack_outbox', ['lane', 'state', 'id'])
    op.create_index('ix_slack_outbox_due', 'slack_outbox', ['state', 'next_attempt_at'])


def downgrade() -> None:
    op.drop_table('slack_outbox')
    op.drop_table('message_statuses')
    op.drop_table('messages')
    op.drop_table('conversations')
    op.drop_table('webhook_inbox')
    with op.batch_alter_table('phone_numbers', schema=None) as batch_op:
        batch_op.drop_column('slack_problem')
