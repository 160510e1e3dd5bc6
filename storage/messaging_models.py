"""The tables of the message relay: Meta's raw webhooks (the inbox), candidate conversations, mirrored messages,
their delivery statuses, and the outbox of Slack writes. Created and changed only by Alembic migrations.

Every "exactly once" here is a unique constraint: a wamid is mirrored once, a (wamid, status) recorded once, an
outbox item (by its dedupe key) written to Slack once.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, Column, Index, Integer, LargeBinary, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from storage.models import _ts, utcnow


class InboxState(enum.StrEnum):
    PENDING = "pending"  # stored, not yet processed (or waiting for a retry)
    DONE = "done"
    UNPARSEABLE = "unparseable"  # signed by Meta but not JSON we can read: kept for the inspector
    DEAD = "dead"  # failed too many times; its error says why


class WebhookInbox(SQLModel, table=True):
    """One POST Meta made to /webhooks/whatsapp, exactly as received, stored before the 200 was sent."""

    __tablename__ = "webhook_inbox"
    __table_args__ = (
        # the pending webhooks, oldest first: the claim, and those older than a claimed one, which it may wait for
        # (relay/inbound/holds.py); the only index on the state (migration 0009)
        Index("ix_webhook_inbox_pending", "id", sqlite_where=text("state = 'pending'"),
              postgresql_where=text("state = 'pending'")),
    )

    id: int | None = Field(default=None, sa_column=Column(BigInteger().with_variant(Integer, "sqlite"),
                                                          primary_key=True, autoincrement=True))
    received_at: datetime = Field(default_factory=utcnow, sa_column=_ts())
    body: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    state: str = Field(default=InboxState.PENDING.value, max_length=16)
    attempts: int = Field(default=0)
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_column=_ts())
    locked_until: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    processed_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    # filled by the worker, for the inspector: "messages,statuses", the numbers and WABAs it named, what it did
    fields: str | None = Field(default=None, max_length=255)
    phone_number_ids: str | None = Field(default=None, max_length=255)
    waba_ids: str | None = Field(default=None, max_length=255)
    outcome: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    # while it waits for a retry, the candidates whose later webhooks wait behind it (relay/inbound/holds.py)
    holds: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class Conversation(SQLModel, table=True):
    """One candidate talking to one business number: one Slack thread in the number's channel."""

    __tablename__ = "conversations"
    __table_args__ = (
        UniqueConstraint("phone_number_row_id", "candidate_key", name="uq_conversations_number_candidate"),
    )

    id: int | None = Field(default=None, primary_key=True)
    phone_number_row_id: int = Field(foreign_key="phone_numbers.id", index=True)
    # wa_id when Meta gives the phone number, else the business-scoped user id (reference 2.8)
    candidate_key: str = Field(max_length=160)
    wa_id: str | None = Field(default=None, max_length=32)
    user_id: str | None = Field(default=None, max_length=160)  # BSUID
    username: str | None = Field(default=None, max_length=128)
    profile_name: str | None = Field(default=None, max_length=255)
    slack_channel_id: str | None = Field(default=None, max_length=32)
    thread_ts: str | None = Field(default=None, max_length=32)
    last_inbound_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    window_shown_until: datetime | None = Field(default=None, sa_column=_ts(nullable=True))  # on the thread parent
    marketing_opt_out: bool = Field(default=False)
    unread_count: int = Field(default=0)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_ts())


class MessageDirection(enum.StrEnum):
    INBOUND = "in"  # from the candidate
    OUTBOUND = "out"  # from us (Slack or the WhatsApp Business app)


class MirroredMessage(SQLModel, table=True):
    """A WhatsApp message and its Slack copy. ``wamid`` is unique: Meta's duplicates are mirrored once."""

    __tablename__ = "messages"

    id: int | None = Field(default=None, primary_key=True)
    wamid: str = Field(max_length=255, unique=True, index=True)
    conversation_id: int = Field(foreign_key="conversations.id", index=True)
    direction: str = Field(max_length=4)
    type: str = Field(max_length=32)
    sent_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))  # Meta's timestamp
    text: str | None = Field(default=None, sa_column=Column(Text, nullable=True))  # searchable summary
    slack_ts: str | None = Field(default=None, max_length=32)
    status: str | None = Field(default=None, max_length=16)  # best status so far (outbound)
    pricing_category: str | None = Field(default=None, max_length=48)
    billable: bool | None = Field(default=None)
    edited: bool = Field(default=False)
    revoked: bool = Field(default=False)
    reaction: str | None = Field(default=None, max_length=100)  # the candidate's reaction, as a Slack name
    inbox_id: int | None = Field(default=None, sa_column=Column(BigInteger().with_variant(Integer, "sqlite"),
                                                                nullable=True))
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts())


class MessageStatus(SQLModel, table=True):
    """A status Meta reported for one of our messages; (wamid, status) once, however often it is delivered."""

    __tablename__ = "message_statuses"
    __table_args__ = (UniqueConstraint("wamid", "status", name="uq_message_statuses_wamid_status"),)

    id: int | None = Field(default=None, primary_key=True)
    wamid: str = Field(max_length=255, index=True)
    status: str = Field(max_length=16)
    at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    error_code: int | None = Field(default=None)
    error_title: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    pricing_category: str | None = Field(default=None, max_length=48)
    billable: bool | None = Field(default=None)
    received_at: datetime = Field(default_factory=utcnow, sa_column=_ts())


class OutboxState(enum.StrEnum):
    PENDING = "pending"
    DONE = "done"
    DEAD = "dead"  # gave up; the error says why (the channel is told where possible)


class SlackOutboxItem(SQLModel, table=True):
    """One Slack write waiting to happen. Items of one ``lane`` (a conversation) run strictly in ``id`` order;
    ``dedupe_key`` makes a re-processed webhook add nothing."""

    __tablename__ = "slack_outbox"
    __table_args__ = (Index("ix_slack_outbox_lane_state", "lane", "state", "id"),
                      # the claim's scan for lane heads, oldest first, without reading the done items; the only
                      # index on the state (migration 0009)
                      Index("ix_slack_outbox_pending", "id", sqlite_where=text("state = 'pending'"),
                            postgresql_where=text("state = 'pending'")))

    id: int | None = Field(default=None, sa_column=Column(BigInteger().with_variant(Integer, "sqlite"),
                                                          primary_key=True, autoincrement=True))
    dedupe_key: str = Field(max_length=255, unique=True)
    team_id: str = Field(max_length=32)
    channel_id: str | None = Field(default=None, max_length=32)
    lane: str = Field(max_length=64)
    conversation_id: int | None = Field(default=None, foreign_key="conversations.id")
    message_id: int | None = Field(default=None, foreign_key="messages.id")
    kind: str = Field(max_length=32)
    args: str = Field(sa_column=Column(Text, nullable=False))  # JSON
    state: str = Field(default=OutboxState.PENDING.value, max_length=16)
    attempts: int = Field(default=0)
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_column=_ts())
    locked_until: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    outcome_unknown: bool = Field(default=False)  # a previous attempt may have reached Slack: reconcile first
    result_ts: str | None = Field(default=None, max_length=32)
    error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts())
    done_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
