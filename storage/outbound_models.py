"""The table of the outbound relay: recruiters' thread replies waiting to become WhatsApp messages.

A reply is recorded once per Slack message (``slack_channel_id`` + ``slack_ts`` unique), so Slack's retries and
duplicate deliveries add nothing. One row can become several WhatsApp messages (a long text in parts, files);
``next_part`` says how far it got, so a crash never sends a part twice.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, Column, Index, Integer, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.models import _ts, utcnow


class OutboundState(enum.StrEnum):
    PENDING = "pending"  # waiting for its turn (or for a retry)
    RECONCILING = "reconciling"  # a send's outcome is unknown: waiting for a status webhook naming it
    SENT = "sent"  # every part reached Meta
    WINDOW_CLOSED = "window_closed"  # nothing (more) sent: the 24-hour window is closed; the replier was told
    FAILED = "failed"  # Meta refused (or the file could not be sent); the thread says why
    FAILED_UNKNOWN = "failed_unknown"  # an unknown outcome nobody confirmed: may or may not have arrived
    TELL_WINDOW = "tell_window"  # sent, then failed later with 131047: the replier is still to be told


OPEN_STATES = (OutboundState.PENDING.value, OutboundState.RECONCILING.value, OutboundState.TELL_WINDOW.value)


class WhatsAppOutboxItem(SQLModel, table=True):
    """One recruiter reply from a conversation's thread, as Slack sent it, and how far its sending got."""

    __tablename__ = "whatsapp_outbox"
    __table_args__ = (
        UniqueConstraint("slack_channel_id", "slack_ts", name="uq_whatsapp_outbox_slack_message"),
        Index("ix_whatsapp_outbox_lane_state", "conversation_id", "state", "id"),
        Index("ix_whatsapp_outbox_due", "state", "next_attempt_at"),
    )

    id: int | None = Field(default=None, sa_column=Column(BigInteger().with_variant(Integer, "sqlite"),
                                                          primary_key=True, autoincrement=True))
    team_id: str = Field(max_length=32)
    slack_channel_id: str = Field(max_length=32)
    slack_ts: str = Field(max_length=32)
    thread_ts: str = Field(max_length=32)
    slack_user_id: str = Field(max_length=32)
    conversation_id: int = Field(foreign_key="conversations.id")
    text: str = Field(default="", sa_column=Column(Text, nullable=False))  # Slack mrkdwn, as sent
    files: str = Field(default="[]", sa_column=Column(Text, nullable=False))  # JSON: Slack file objects (trimmed)
    plan: str | None = Field(default=None, sa_column=Column(Text, nullable=True))  # JSON parts, fixed on first run
    next_part: int = Field(default=0)
    state: str = Field(default=OutboundState.PENDING.value, max_length=16)
    attempts: int = Field(default=0)
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_column=_ts())
    locked_until: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    reconcile_until: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    error_code: int | None = Field(default=None)
    error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts())
    done_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
