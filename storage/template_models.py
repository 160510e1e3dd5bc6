"""The template cache: each WhatsApp Business account's message templates as Meta last listed them, and the
state of each account's template sync (when it is due, who holds it, how the last one went).

Created and changed only by Alembic migrations (0005_templates).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Integer, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.models import _ts, utcnow


class MessageTemplate(SQLModel, table=True):
    """One template (one name in one language) of a WABA, as ``GET /{waba}/message_templates`` returns it;
    webhooks update its status, category and quality between syncs."""

    __tablename__ = "message_templates"
    __table_args__ = (UniqueConstraint("account_id", "template_id", name="uq_message_templates_account_template"),)

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="whatsapp_accounts.id", index=True)
    template_id: str = Field(max_length=64)  # Meta's id of this name + language
    name: str = Field(max_length=512)
    language: str = Field(max_length=16)
    status: str = Field(max_length=32)  # APPROVED | PENDING | REJECTED | PAUSED | DISABLED | ...
    category: str | None = Field(default=None, max_length=32)  # UTILITY | MARKETING | AUTHENTICATION
    parameter_format: str | None = Field(default=None, max_length=16)  # POSITIONAL | NAMED
    components: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    quality_score: str | None = Field(default=None, max_length=16)  # GREEN | YELLOW | RED | UNKNOWN
    rejected_reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_ts())


class TemplateSync(SQLModel, table=True):
    """When an account's templates are next due to be read from Meta, and the lease that lets exactly one
    instance do it (a conditional UPDATE on ``leased_until``/``due_at``)."""

    __tablename__ = "template_syncs"

    account_id: int = Field(foreign_key="whatsapp_accounts.id", primary_key=True)
    due_at: datetime = Field(default_factory=utcnow, sa_column=_ts(index=True))
    leased_until: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    synced_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))  # last success
    template_count: int = Field(default=0, sa_column=Column(Integer, nullable=False, default=0, server_default="0"))
    failed_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))  # last failure, if after success
    error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
