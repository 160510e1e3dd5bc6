"""The database tables, as SQLModel classes. They are created and changed only by Alembic migrations.

Secrets live only in ``*_encrypted`` columns holding Fernet tokens (see ``storage.cipher``).
"""

from __future__ import annotations

import enum
from datetime import UTC, datetime

from sqlalchemy import Column, DateTime, Index, Integer, Text, UniqueConstraint, text
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """Stores UTC, always hands back timezone-aware datetimes (SQLite drops the zone otherwise)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):  # type: ignore[no-untyped-def]
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):  # type: ignore[no-untyped-def]
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _ts(nullable: bool = False, **kwargs) -> Column:  # type: ignore[no-untyped-def]
    return Column(UTCDateTime(), nullable=nullable, **kwargs)


class AccountStatus(enum.StrEnum):
    """Seed 000 section 7: the life of a connected WhatsApp Business account."""

    PENDING = "pending"
    ACTIVE = "active"
    DISCONNECTED = "disconnected"
    ERROR = "error"


class RegistrationState(enum.StrEnum):
    PENDING = "pending"  # not yet registered (or registration will be retried)
    REGISTERED = "registered"
    COEXISTENCE = "coexistence"  # on the WhatsApp Business app: registered by Meta, never by us
    RATE_LIMITED = "rate_limited"  # 133016: Meta blocks register calls for 72 hours
    FAILED = "failed"


class Tenant(SQLModel, table=True):
    """One client company, i.e. one Slack workspace."""

    __tablename__ = "tenants"

    id: int | None = Field(default=None, primary_key=True)
    slack_team_id: str = Field(index=True, unique=True, max_length=32)
    name: str | None = Field(default=None, max_length=255)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts())


class SlackInstallation(SQLModel, table=True):
    """The bot's installation in one workspace (Bolt's Installation, with the token encrypted)."""

    __tablename__ = "slack_installations"

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(index=True, unique=True, max_length=32)
    team_name: str | None = Field(default=None, max_length=255)
    enterprise_id: str | None = Field(default=None, max_length=32)
    app_id: str | None = Field(default=None, max_length=32)
    bot_id: str | None = Field(default=None, max_length=32)
    bot_user_id: str | None = Field(default=None, max_length=32)
    bot_scopes: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    bot_token_encrypted: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    installer_user_id: str | None = Field(default=None, max_length=32)
    installed_at: datetime = Field(default_factory=utcnow, sa_column=_ts())
    revoked_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))


class SlackOAuthState(SQLModel, table=True):
    """Bolt's OAuth state for /slack/install → /slack/oauth_redirect (shared by every instance)."""

    __tablename__ = "slack_oauth_states"

    state: str = Field(primary_key=True, max_length=64)
    expires_at: datetime = Field(sa_column=_ts())


class WhatsAppAccount(SQLModel, table=True):
    """A WhatsApp Business account (WABA) a workspace connected through Embedded Signup."""

    __tablename__ = "whatsapp_accounts"
    __table_args__ = (UniqueConstraint("tenant_id", "waba_id", name="uq_whatsapp_accounts_tenant_waba"),)

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: int = Field(foreign_key="tenants.id", index=True)
    waba_id: str = Field(index=True, max_length=64)
    business_id: str | None = Field(default=None, max_length=64)
    name: str | None = Field(default=None, max_length=255)
    business_token_encrypted: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    token_expires_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    meta_user_id: str | None = Field(default=None, max_length=64)
    status: str = Field(default=AccountStatus.PENDING.value, max_length=16, index=True)
    status_reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    connected_by_user_id: str | None = Field(default=None, max_length=32)
    connected_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    is_coexistence: bool = Field(default=False)
    webhooks_subscribed: bool = Field(default=False)
    subscribe_error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    subscribe_retry_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_ts())


class PhoneNumber(SQLModel, table=True):
    """A business phone number; its conversations go to one Slack channel. Routed by phone_number_id."""

    __tablename__ = "phone_numbers"
    # One live row per number; rows released to another workspace keep their history (and their id).
    __table_args__ = (
        Index("uq_phone_numbers_live_phone_number_id", "phone_number_id", unique=True,
              sqlite_where=text("released_at IS NULL"), postgresql_where=text("released_at IS NULL")),
    )

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="whatsapp_accounts.id", index=True)
    phone_number_id: str = Field(index=True, max_length=64)
    display_phone_number: str | None = Field(default=None, max_length=32)
    verified_name: str | None = Field(default=None, max_length=255)
    quality_rating: str | None = Field(default=None, max_length=16)
    enabled: bool = Field(default=False)  # the workspace chose to relay this number
    registration_state: str = Field(default=RegistrationState.PENDING.value, max_length=16)
    registration_error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    register_retry_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    pin_encrypted: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    slack_channel_id: str | None = Field(default=None, max_length=32)
    # Meta's health status: AVAILABLE | LIMITED | BLOCKED (None: not asked yet), and the error codes behind it
    messaging_status: str | None = Field(default=None, max_length=16)
    messaging_problems: str | None = Field(default=None, sa_column=Column(Text, nullable=True))  # "141006,…"
    messaging_checked_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    released_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))  # claimed by another workspace
    # why Slack writes for this number wait (channel archived, bot removed, app uninstalled); None when fine
    slack_problem: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_ts())


class ConnectState(SQLModel, table=True):
    """A Connect link: single use, short-lived, bound to (workspace, Slack user)."""

    __tablename__ = "connect_states"

    id: int | None = Field(default=None, primary_key=True)
    nonce: str = Field(index=True, unique=True, max_length=64)
    team_id: str = Field(max_length=32, index=True)
    user_id: str = Field(max_length=32)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts())
    # The first link of a chain of retry links, and how many retries led here: a chain dies as a whole.
    root_created_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    retry_count: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default="0", default=0))
    expires_at: datetime = Field(sa_column=_ts())
    opened_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))  # connect page first shown
    used_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    account_id: int | None = Field(default=None, foreign_key="whatsapp_accounts.id")
    outcome: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class HomeTabViewer(SQLModel, table=True):
    """Users who opened the app's Home tab: they get a fresh view whenever a number changes."""

    __tablename__ = "home_tab_viewers"
    __table_args__ = (UniqueConstraint("team_id", "user_id", name="uq_home_tab_viewers_team_user"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32, index=True)
    user_id: str = Field(max_length=32)
    opened_at: datetime = Field(default_factory=utcnow, sa_column=_ts())


class RateLimitWindow(SQLModel, table=True):
    """Hits per (bucket, fixed window): rate limits every instance shares. Old windows are purged by a job."""

    __tablename__ = "rate_limit_windows"

    bucket: str = Field(primary_key=True, max_length=160)
    window_start: datetime = Field(sa_column=_ts(primary_key=True, index=True))
    hits: int = Field(default=0)


class AuditEntry(SQLModel, table=True):
    """Who did what to which account, when. Never holds a secret."""

    __tablename__ = "audit_log"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_column=_ts(index=True))
    team_id: str | None = Field(default=None, max_length=32, index=True)
    actor: str = Field(max_length=64)
    action: str = Field(max_length=64)
    subject: str | None = Field(default=None, max_length=128)
    detail: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


# Every column that holds a secret, for `waslack keys rotate` and the no-plain-text test.
ENCRYPTED_COLUMNS: tuple[tuple[type[SQLModel], str], ...] = (
    (SlackInstallation, "bot_token_encrypted"),
    (WhatsAppAccount, "business_token_encrypted"),
    (PhoneNumber, "pin_encrypted"),
)
