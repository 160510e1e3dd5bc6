"""What Meta says about a number's ability to send (health status): its overall state and the error codes
behind it, e.g. 141006 when the WhatsApp Business account has no payment method.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('phone_numbers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('messaging_status', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('messaging_problems', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('messaging_checked_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('phone_numbers', schema=None) as batch_op:
        batch_op.drop_column('messaging_checked_at')
        batch_op.drop_column('messaging_problems')
        batch_op.drop_column('messaging_status')
