"""webhook_inbox.holds: a webhook waiting for a retry holds its candidates, so their later webhooks wait
behind it and their messages reach Slack in order (relay/inbound/holds.py); the pending webhooks older than a
claimed one (those it may have to wait for) are found through a partial index, without a scan.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

PENDING = "state = 'pending'"


def upgrade() -> None:
    with op.batch_alter_table('webhook_inbox') as batch:
        batch.add_column(sa.Column('holds', sa.Text(), nullable=True))
    op.create_index('ix_webhook_inbox_pending', 'webhook_inbox', ['id'], sqlite_where=sa.text(PENDING),
                    postgresql_where=sa.text(PENDING))


def downgrade() -> None:
    op.drop_index('ix_webhook_inbox_pending', table_name='webhook_inbox')
    with op.batch_alter_table('webhook_inbox') as batch:
        batch.drop_column('holds')
