"""Initial schema: tenants, Slack installations and OAuth states, WhatsApp accounts, phone numbers, connect states, Home tab viewers, audit log.

Revision ID: 0001
Revises: 
Create Date: 2026-11-22
"""
from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table('audit_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('team_id', sa.String(length=32), nullable=True),
    sa.Column('actor', sa.String(length=64), nullable=False),
    sa.Column('action', sa.String(length=64), nullable=False),
    sa.Column('subject', sa.String(length=128), nullable=True),
    sa.Column('detail', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_log_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_log_team_id'), ['team_id'], unique=False)

    op.create_table('home_tab_viewers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('user_id', sa.String(length=32), nullable=False),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('team_id', 'user_id', name='uq_home_tab_viewers_team_user')
    )
    with op.batch_alter_table('home_tab_viewers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_home_tab_viewers_team_id'), ['team_id'], unique=False)

    op.create_table('slack_installations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('team_name', sa.String(length=255), nullable=True),
    sa.Column('enterprise_id', sa.String(length=32), nullable=True),
    sa.Column('app_id', sa.String(length=32), nullable=True),
    sa.Column('bot_id', sa.String(length=32), nullable=True),
    sa.Column('bot_user_id', sa.String(length=32), nullable=True),
    sa.Column('bot_scopes', sa.Text(), nullable=False),
    sa.Column('bot_token_encrypted', sa.Text(), nullable=True),
    sa.Column('installer_user_id', sa.String(length=32), nullable=True),
    sa.Column('installed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('slack_installations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_slack_installations_team_id'), ['team_id'], unique=True)

    op.create_table('slack_oauth_states',
    sa.Column('state', sa.String(length=64), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('state')
    )
    op.create_table('tenants',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slack_team_id', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('tenants', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tenants_slack_team_id'), ['slack_team_id'], unique=True)

    op.create_table('whatsapp_accounts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('waba_id', sa.String(length=64), nullable=False),
    sa.Column('business_id', sa.String(length=64), nullable=True),
    sa.Column('name', sa.String(length=255), nullable=True),
    sa.Column('business_token_encrypted', sa.Text(), nullable=True),
    sa.Column('token_expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('meta_user_id', sa.String(length=64), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('status_reason', sa.Text(), nullable=True),
    sa.Column('connected_by_user_id', sa.String(length=32), nullable=True),
    sa.Column('connected_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('is_coexistence', sa.Boolean(), nullable=False),
    sa.Column('webhooks_subscribed', sa.Boolean(), nullable=False),
    sa.Column('subscribe_error', sa.Text(), nullable=True),
    sa.Column('subscribe_retry_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('tenant_id', 'waba_id', name='uq_whatsapp_accounts_tenant_waba')
    )
    with op.batch_alter_table('whatsapp_accounts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_whatsapp_accounts_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_whatsapp_accounts_tenant_id'), ['tenant_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_whatsapp_accounts_waba_id'), ['waba_id'], unique=False)

    op.create_table('connect_states',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('nonce', sa.String(length=64), nullable=False),
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('user_id', sa.String(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('account_id', sa.Integer(), nullable=True),
    sa.Column('outcome', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['whatsapp_accounts.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('connect_states', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_connect_states_nonce'), ['nonce'], unique=True)

    op.create_table('phone_numbers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('phone_number_id', sa.String(length=64), nullable=False),
    sa.Column('display_phone_number', sa.String(length=32), nullable=True),
    sa.Column('verified_name', sa.String(length=255), nullable=True),
    sa.Column('quality_rating', sa.String(length=16), nullable=True),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('registration_state', sa.String(length=16), nullable=False),
    sa.Column('registration_error', sa.Text(), nullable=True),
    sa.Column('register_retry_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('pin_encrypted', sa.Text(), nullable=True),
    sa.Column('slack_channel_id', sa.String(length=32), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['whatsapp_accounts.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('phone_numbers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_phone_numbers_account_id'), ['account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_phone_numbers_phone_number_id'), ['phone_number_id'], unique=True)




def downgrade() -> None:

    with op.batch_alter_table('phone_numbers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_phone_numbers_phone_number_id'))
        batch_op.drop_index(batch_op.f('ix_phone_numbers_account_id'))

    op.drop_table('phone_numbers')
    with op.batch_alter_table('connect_states', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_connect_states_nonce'))

    op.drop_table('connect_states')
    with op.batch_alter_table('whatsapp_accounts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_whatsapp_accounts_waba_id'))
        batch_op.drop_index(batch_op.f('ix_whatsapp_accounts_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_whatsapp_accounts_status'))

    op.drop_table('whatsapp_accounts')
    with op.batch_alter_table('tenants', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tenants_slack_team_id'))

    op.drop_table('tenants')
    op.drop_table('slack_oauth_states')
    with op.batch_alter_table('home_tab_viewers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_home_tab_viewers_team_id'))

    op.drop_table('home_tab_viewers')
    with op.batch_alter_table('slack_installations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_slack_installations_team_id'))

    op.drop_table('slack_installations')
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_log_team_id'))
        batch_op.drop_index(batch_op.f('ix_audit_log_at'))

    op.drop_table('audit_log')

