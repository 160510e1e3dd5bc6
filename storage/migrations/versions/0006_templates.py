"""The template cache: message_templates (per WhatsApp Business account) and template_syncs (when each
account's templates are next read from Meta, and the lease one instance holds while it reads them).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('message_templates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('template_id', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=512), nullable=False),
    sa.Column('language', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=32), nullable=False),
    sa.Column('category', sa.String(length=32), nullable=True),
    sa.Column('parameter_format', sa.String(length=16), nullable=True),
    sa.Column('components', sa.JSON(), nullable=False),
    sa.Column('quality_score', sa.String(length=16), nullable=True),
    sa.Column('rejected_reason', sa.Text(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['whatsapp_accounts.id']),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('account_id', 'template_id', name='uq_message_templates_account_template'),
    )
    op.create_index('ix_message_templates_account_id', 'message_templates', ['account_id'])

    op.create_table('template_syncs',
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('leased_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('synced_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('template_count', sa.Integer(), server_default='0', nullable=False),
    sa.Column('failed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['whatsapp_accounts.id']),
    sa.PrimaryKeyConstraint('account_id'),
    )
    op.create_index('ix_template_syncs_due_at', 'template_syncs', ['due_at'])


def downgrade() -> None:
    op.drop_index('ix_template_syncs_due_at', table_name='template_syncs')
    op.drop_table('template_syncs')
    op.drop_index('ix_message_templates_account_id', table_name='message_templates')
    op.drop_table('message_templates')
