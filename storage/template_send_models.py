"""The tables of /template sends: one batch per submitted modal (``idempotency_key`` unique, so a second
submission adds nothing) and one row per recipient (unique per batch), leased by the template send worker.

A recipient row is marked ``sending`` before its Graph call and carries ``biz_opaque_callback_data`` naming it, so
a send whose answer was lost is confirmed by the status webhook naming it, never sent again.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, Column, ForeignKey, Index, Integer, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.models import _ts, utcnow


class RecipientState(enum.StrEnum):
    PENDING = "pending"  # waiting for its turn (or a retry)
    SENDING = "sending"  # the send began: its outcome counts as unknown until Meta answers or a status names it
    SENT = "sent"  # Meta accepted it (a later failed status turns it into failed)
    FAILED = "failed"  # refused before sending, or by Meta; ``error`` says why
    FAILED_UNKNOWN = "failed_unknown"  # no answer and no status in time: may or may not have arrived


OPEN_RECIPIENT_STATES = (RecipientState.PENDING.value, RecipientState.SENDING.value)


class BatchState(enum.StrEnum):
    SENDING = "sending"
    SUMMARISED = "summarised"  # every recipient settled; the summary (or the single failure) is queued


class TemplateSendBatch(SQLModel, table=True):
    """One /template submission: which number sends which template, on whose behalf, to how many."""

    __tablename__ = "template_send_batches"
    __table_args__ = (Index("ix_template_send_batches_state", "state"),)

    id: int | None = Field(default=None, sa_column=Column(BigInteger().with_variant(Integer, "sqlite"),
                                                          primary_key=True, autoincrement=True))
    team_id: str = Field(max_length=32)
    phone_number_row_id: int | None = Field(default=None, foreign_key="phone_numbers.id")
    slack_user_id: str = Field(max_length=32)
    template_name: str = Field(max_length=512)
    language: str = Field(max_length=16)
    category: str | None = Field(default=None, max_length=32)
    components: str = Field(default="[]", sa_column=Column(Text, nullable=False))  # JSON: Graph's components
    preview_text: str = Field(default="", sa_column=Column(Text, nullable=False))
    idempotency_key: str = Field(max_length=255, unique=True)
    total: int = Field(default=0)
    accepted: int = Field(default=0)
    state: str = Field(default=BatchState.SENDING.value, max_length=16)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts())
    done_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))


class TemplateSendRecipient(SQLModel, table=True):
    """One candidate of a batch and how far sending to them got."""

    __tablename__ = "template_send_recipients"
    __table_args__ = (
        UniqueConstraint("batch_id", "recipient_key", name="uq_template_send_recipients_batch_key"),
        Index("ix_template_send_recipients_due", "state", "next_attempt_at"),
    )

    id: int | None = Field(default=None, sa_column=Column(BigInteger().with_variant(Integer, "sqlite"),
                                                          primary_key=True, autoincrement=True))
    batch_id: int = Field(sa_column=Column(BigInteger().with_variant(Integer, "sqlite"),
                                           ForeignKey("template_send_batches.id"), nullable=False, index=True))
    recipient_key: str = Field(max_length=200)  # "conv:<id>" or "wa:<digits>": once per batch
    label: str = Field(max_length=200)  # how the summary names them
    conversation_id: int | None = Field(default=None, foreign_key="conversations.id")  # set once resolved
    wa_id: str | None = Field(default=None, max_length=160)  # what we send to (a wa_id, or a BSUID)
    components: str | None = Field(default=None, sa_column=Column(Text, nullable=True))  # JSON, per recipient
    preview_text: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    state: str = Field(default=RecipientState.PENDING.value, max_length=16)
    attempts: int = Field(default=0)
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_column=_ts())
    locked_until: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    wamid: str | None = Field(default=None, max_length=255)
    delivery: str | None = Field(default=None, max_length=16)  # the latest status Meta reported
    error_code: int | None = Field(default=None)
    error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts())
    done_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
