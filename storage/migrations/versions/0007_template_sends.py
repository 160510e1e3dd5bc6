"""/template sends: template_send_batches (one per submitted modal, unique idempotency key) and
template_send_recipients (one per candidate of a batch, leased by the template send worker).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table('template_send_batches',
    sa.Column('id', BIG_ID, primary_key=True, autoincrement=True),
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('phone_number_row_id', sa.Integer(), nullable=True),
    sa.Column('slack_user_id', sa.String(length=32), nullable=False),
    sa.Column('template_name', sa.String(length=512), nullable=False),
    sa.Column('language', sa.String(length=16), nullable=False),
    sa.Column('category', sa.String(length=32), nullable=True),
    sa.Column('components', sa.Text(), nullable=False),
    sa.Column('preview_text', sa.Text(), nullable=False),
    sa.Column('idempotency_key', sa.String(length=255), nullable=False, unique=True),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('accepted', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['phone_number_row_id'], ['phone_numbers.id']),
    )
    op.create_index('ix_template_send_batches_state', 'template_send_batches', ['state'])

    op.create_table('template_send_recipients',
    sa.Column('id', BIG_ID, primary_key=True, autoincrement=True),
    sa.Column('batch_id', BIG_ID, nullable=False),
    sa.Column('recipient_key', sa.String(length=200), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('conversation_id', sa.Integer(), nullable=True),
    sa.Column('wa_id', sa.String(length=160), nullable=True),
    sa.Column('components', sa.Text(), nullable=True),
    sa.Column('preview_text', sa.Text(), nullable=True),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('wamid', sa.String(length=255), nullable=True),
    sa.Column('delivery', sa.String(length=16), nullable=True),
    sa.Column('error_code', sa.Integer(), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['batch_id'], ['template_send_batches.id']),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id']),
    sa.UniqueConstraint('batch_id', 'recipient_key', name='uq_template_send_recipients_batch_key'),
    )
    op.create_index('ix_template_send_recipients_batch_id', 'template_send_recipients', ['batch_id'])
    op.create_index('ix_template_send_recipients_due', 'template_send_recipients', ['state', 'next_attempt_at'])


def downgrade() -> None:
    op.drop_index('ix_template_send_recipients_due', table_name='template_send_recipients')
    op.drop_index('ix_template_send_recipients_batch_id', table_name='template_send_recipients')
    op.drop_table('template_send_recipients')
    op.drop_index('ix_template_send_batches_state', table_name='template_send_batches')
    op.drop_table('template_send_batches')
