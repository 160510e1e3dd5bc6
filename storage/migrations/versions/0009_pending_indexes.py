"""The inbox's and the outbox's claims read only the pending rows, oldest first, through partial indexes.

- slack_outbox gains one on its pending items: the claim of lane heads scanned every item Slack ever received
  (the done ones stay, for reconciling).
- The (state, next_attempt_at) indexes of both tables go. Without ANALYZE statistics, SQLite chose them for
  ``state = 'pending'`` and then sorted every due row by id on each claim, and read every pending row to find
  the few older than a claimed webhook: costs that grew with the backlog (bench.ingest). The partial indexes
  answer those queries, and the earliest due time of what is pending, by themselves.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03
"""
from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

PENDING = "state = 'pending'"


def upgrade() -> None:
    op.create_index('ix_slack_outbox_pending', 'slack_outbox', ['id'], sqlite_where=sa.text(PENDING),
                    postgresql_where=sa.text(PENDING))
    op.drop_index('ix_slack_outbox_due', table_name='slack_outbox')
    op.drop_index('ix_webhook_inbox_due', table_name='webhook_inbox')


def downgrade() -> None:
    op.create_index('ix_webhook_inbox_due', 'webhook_inbox', ['state', 'next_attempt_at'])
    op.create_index('ix_slack_outbox_due', 'slack_outbox', ['state', 'next_attempt_at'])
    op.drop_index('ix_slack_outbox_pending', table_name='slack_outbox')
