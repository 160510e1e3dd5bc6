"""The one typed settings object: read once from the environment (and an optional .env), validated, secrets wrapped.

Nothing else in waslack reads ``os.environ``; code receives a ``Settings``.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from cryptography.fernet import Fernet
from dotenv import dotenv_values
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator, model_validator

DEFAULT_DATABASE_URL = "sqlite:///./var/waslack.db"


class SettingsError(Exception):
    """Start-up settings are missing or malformed; ``problems`` holds one line per problem."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


def _http_url(value: str, name: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"must be an http(s) URL, got {value!r}")
    return value.rstrip("/")


class Settings(BaseModel):
    """Every variable waslack reads. Field names are the environment variable names."""

    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)

    # Meta app (seed 000, section 8)
    META_APP_ID: str = Field(min_length=1, description="Meta app id (public).")
    META_APP_SECRET: SecretStr = Field(description="Meta app secret: signs webhooks, exchanges codes.")
    META_CONFIG_ID: str = Field(min_length=1, description="Facebook Login for Business configuration id.")
    META_API_VERSION: str = Field(default="v24.0", description="Graph API version pinned on every call.")
    META_WEBHOOK_VERIFY_TOKEN: SecretStr = Field(description="Answer to Meta's webhook verification GET.")
    META_SYSTEM_USER_TOKEN: SecretStr | None = Field(
        default=None, description="Our system user token for debug_token; the app token is used when unset."
    )
    META_WABA_ID: str | None = Field(default=None, description="Optional number connected outside Embedded Signup.")
    META_PHONE_ID: str | None = Field(default=None, description="Its phone_number_id (with META_WABA_ID).")
    META_ACCESS_TOKEN: SecretStr | None = Field(default=None, description="Its token (with META_WABA_ID).")
    META_EMBEDDED_SIGNUP_VERSION: Literal["v4", "v3"] = Field(
        default="v4", description="Embedded Signup version whose `extras` the connect page sends."
    )
    META_GRAPH_URL: str = Field(default="https://graph.facebook.com", description="Graph API base URL.")
    META_SDK_URL: str = Field(
        default="https://connect.facebook.net/en_US/sdk.js", description="Meta's JavaScript SDK."
    )
    META_WEB_URL: str = Field(
        default="https://www.facebook.com", description="Origin of Meta's OAuth dialog (redirect fallback)."
    )
    META_TIMEOUT_SECONDS: float = Field(default=10.0, gt=0, le=120, description="Timeout of every Graph call.")

    # Slack app
    SLACK_SIGNING_SECRET: SecretStr = Field(description="Verifies every request Slack sends.")
    SLACK_BOT_TOKEN: SecretStr | None = Field(default=None, description="Single-workspace mode: the bot token.")
    SLACK_CLIENT_ID: str | None = Field(default=None, description="Multi-workspace OAuth: client id.")
    SLACK_CLIENT_SECRET: SecretStr | None = Field(default=None, description="Multi-workspace OAuth: secret.")
    SLACK_API_URL: str = Field(default="https://slack.com/api/", description="Slack Web API base URL.")
    SLACK_AUTHORIZE_URL: str = Field(
        default="https://slack.com/oauth/v2/authorize", description="Slack's OAuth consent page."
    )
    SLACK_CHANNEL_VISIBILITY: Literal["private", "public"] = Field(
        default="private", description="Whether the channel made for a new number is private or public."
    )
    SLACK_CHANNEL_PACING: Literal["on", "off"] = Field(
        default="on", description="Pace writes per channel at Slack's ~1/s; `off` only for benchmarks."
    )

    # This deployment
    PUBLIC_BASE_URL: str = Field(description="Where Slack, Meta and browsers reach this relay.")
    DATABASE_URL: str = Field(default=DEFAULT_DATABASE_URL, description="SQLAlchemy URL; SQLite or PostgreSQL.")
    WASLACK_ENCRYPTION_KEYS: SecretStr = Field(
        description="Comma-separated Fernet keys; the first encrypts, all decrypt."
    )
    WASLACK_MODE: Literal["production", "sandbox"] = Field(
        default="production", description="`sandbox` also trusts the Meta simulator's origin."
    )
    LOG_LEVEL: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(default="INFO", description="Log level.")
    LOG_ACTIVITY: Literal["on", "off"] = Field(
        default="off", description="`on`: one INFO line per connect, webhook and Slack post (the sandbox always "
        "shows them); off, the busy path writes nothing per message.")

    # Outbound relay (thread replies → WhatsApp)
    WASLACK_NOTE_PREFIX: str = Field(
        default="note:", max_length=32,
        description="A thread reply starting with this (any case) stays in Slack, as a note.")
    WASLACK_READ_RECEIPTS: bool = Field(
        default=True, description="Mark the candidate's latest message read when a recruiter's reply is sent.")
    WASLACK_UNKNOWN_OUTCOME_WAIT_SECONDS: float = Field(
        default=300.0, gt=0, le=3600,
        description="How long a send whose outcome is unknown waits for Meta's status before it is reported.")
    WASLACK_TEMPLATE_SENDS_PER_SECOND: float = Field(
        default=80.0, gt=0, le=1000,
        description="A number's throughput (Meta's default is 80 messages/s): /template sends are paced just under it.")

    @field_validator("META_API_VERSION")
    @classmethod
    def _version(cls, value: str) -> str:
        if not re.fullmatch(r"v\d+\.\d+", value):
            raise ValueError(f"must look like v24.0, got {value!r}")
        return value

    @field_validator("META_APP_SECRET", "META_WEBHOOK_VERIFY_TOKEN", "SLACK_SIGNING_SECRET")
    @classmethod
    def _required_secret(cls, value: SecretStr) -> SecretStr:
        if not value.get_secret_value().strip():
            raise ValueError("must not be empty (a signature check is never switched off)")
        return value

    @field_validator("META_GRAPH_URL", "META_SDK_URL", "META_WEB_URL", "SLACK_AUTHORIZE_URL", "PUBLIC_BASE_URL")
    @classmethod
    def _url(cls, value: str, info) -> str:  # type: ignore[no-untyped-def]
        return _http_url(value, info.field_name)

    @field_validator("SLACK_API_URL")
    @classmethod
    def _api_url(cls, value: str) -> str:
        return _http_url(value, "SLACK_API_URL") + "/"

    @field_validator("DATABASE_URL")
    @classmethod
    def _database(cls, value: str) -> str:
        if not re.match(r"^(sqlite|postgresql)(\+\w+)?://", value):
            raise ValueError("must be a sqlite:/// or postgresql+psycopg:// URL")
        return value

    @field_validator("WASLACK_ENCRYPTION_KEYS")
    @classmethod
    def _keys(cls, value: SecretStr) -> SecretStr:
        keys = [k.strip() for k in value.get_secret_value().split(",") if k.strip()]
        if not keys:
            raise ValueError("needs at least one Fernet key (run `waslack keys generate`)")
        for position, key in enumerate(keys, start=1):
            try:
                Fernet(key.encode())
            except (ValueError, TypeError):
                raise ValueError(f"key #{position} is not a valid Fernet key (run `waslack keys generate`)") from None
        return value

    @model_validator(mode="after")
    def _slack_mode(self) -> Settings:
        problems = cross_field_problems(lambda name: _plain(getattr(self, name)))
        if problems:
            raise ValueError("; ".join(problems))
        return self

    # ---- derived values -------------------------------------------------------------------------------

    @property
    def slack_oauth_enabled(self) -> bool:
        return self.SLACK_CLIENT_ID is not None

    @property
    def encryption_keys(self) -> list[str]:
        return [k.strip() for k in self.WASLACK_ENCRYPTION_KEYS.get_secret_value().split(",") if k.strip()]

    @property
    def webhook_url(self) -> str:
        return f"{self.PUBLIC_BASE_URL}/webhooks/whatsapp"

    @property
    def link_signing_key(self) -> bytes:
        """Key for connect-link HMACs, derived from two server-only secrets so no extra variable is needed."""
        material = (self.META_APP_SECRET.get_secret_value() + "\x00" + self.SLACK_SIGNING_SECRET.get_secret_value())
        return hmac.new(b"waslack connect link v1", material.encode(), hashlib.sha256).digest()

    @property
    def allowed_signup_origins(self) -> tuple[str, ...]:
        """Exact origins whose WA_EMBEDDED_SIGNUP messages the connect page accepts."""
        origins = ["https://www.facebook.com", "https://web.facebook.com"]
        if self.WASLACK_MODE == "sandbox":
            for url in (self.META_WEB_URL, self.META_SDK_URL):
                parts = urlsplit(url)
                origin = f"{parts.scheme}://{parts.netloc}"
                if origin not in origins:
                    origins.append(origin)
        return tuple(origins)

    @property
    def secret_values(self) -> list[str]:
        """Every secret's plain value, for the log redaction filter."""
        out: list[str] = []
        for name in type(self).model_fields:
            value = getattr(self, name)
            if isinstance(value, SecretStr) and value.get_secret_value():
                out.extend(v.strip() for v in value.get_secret_value().split(",") if v.strip())
        return out

    @classmethod
    def field_names(cls) -> list[str]:
        return list(cls.model_fields)


def _plain(value: object) -> str | None:
    if isinstance(value, SecretStr):
        return value.get_secret_value() or None
    return None if value is None else str(value)


def cross_field_problems(get: Callable[[str], str | None]) -> list[str]:
    """Checks that join several variables, on their plain values (``get(name)``: the value, None when unset).

    Run on the raw values too, so that they are reported together with every single-variable problem."""
    problems: list[str] = []
    has_token = bool(get("SLACK_BOT_TOKEN"))
    has_oauth = bool(get("SLACK_CLIENT_ID")) or bool(get("SLACK_CLIENT_SECRET"))
    if has_token and has_oauth:
        problems.append("SLACK_BOT_TOKEN: set either it or SLACK_CLIENT_ID/SLACK_CLIENT_SECRET, not both")
    elif not has_token and not has_oauth:
        problems.append(
            "SLACK_BOT_TOKEN: set it (single workspace) or SLACK_CLIENT_ID and SLACK_CLIENT_SECRET (OAuth)"
        )
    elif has_oauth and not (get("SLACK_CLIENT_ID") and get("SLACK_CLIENT_SECRET")):
        problems.append("SLACK_CLIENT_ID: OAuth mode needs both SLACK_CLIENT_ID and SLACK_CLIENT_SECRET")
    fallback = [bool(get(name)) for name in ("META_WABA_ID", "META_PHONE_ID", "META_ACCESS_TOKEN")]
    if any(fallback) and not all(fallback):
        problems.append("META_WABA_ID: set META_WABA_ID, META_PHONE_ID and META_ACCESS_TOKEN together or none")
    if get("META_WABA_ID") and has_oauth:
        problems.append("META_WABA_ID: a number configured outside Embedded Signup needs single-workspace "
                        "mode (SLACK_BOT_TOKEN); in OAuth mode connect it from the Home tab")
    base_url = get("PUBLIC_BASE_URL") or ""
    if base_url.lower().startswith("http://") and (get("WASLACK_MODE") or "production") != "sandbox":
        problems.append("PUBLIC_BASE_URL: must be an https:// URL (Slack and Meta call only https); "
                        "plain http is allowed with WASLACK_MODE=sandbox only")
    return problems


def _describe(error: dict) -> str:
    name = str(error["loc"][0]) if error.get("loc") else ""
    message = str(error.get("msg", "is invalid"))
    message = message.removeprefix("Value error, ")
    if error.get("type") == "missing":
        return f"{name}: is required but not set"
    if not name:
        # model-level checks start their message with the variable's name
        return message
    return f"{name}: {message}"


def load_settings(environ: Mapping[str, str] | None = None, env_file: str | Path | None = ".env") -> Settings:
    """Read settings from ``environ`` (default: the process environment) over an optional ``.env`` file.

    Raises ``SettingsError`` with one line per problem; never echoes a secret's value.
    """
    values: dict[str, str] = {}
    if env_file is not None and Path(env_file).is_file():
        values.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
    source = os.environ if environ is None else environ
    values.update({k: v for k, v in source.items() if k in Settings.model_fields})
    values = {k: v for k, v in values.items() if k in Settings.model_fields and v != ""}
    joined = cross_field_problems(values.get)
    try:
        return Settings.model_validate(values)
    except ValidationError as exc:
        # the model-level check (no loc) only runs once every field is valid: ``joined`` holds its findings
        errors = exc.errors(include_input=False, include_url=False)
        single = [_describe(e) for e in errors if e.get("loc")]
        raise SettingsError(list(dict.fromkeys(single + joined)) or [_describe(e) for e in errors]) from None


@dataclass(frozen=True)
class StorageSettings:
    """The subset `waslack db upgrade` and `waslack keys rotate` need, so they run before the rest is set."""

    DATABASE_URL: str
    encryption_keys: list[str]


def load_storage_settings(
    environ: Mapping[str, str] | None = None, env_file: str | Path | None = ".env", *, need_keys: bool = True
) -> StorageSettings:
    values: dict[str, str] = {}
    if env_file is not None and Path(env_file).is_file():
        values.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
    values.update(os.environ if environ is None else environ)
    problems: list[str] = []
    url = values.get("DATABASE_URL") or DEFAULT_DATABASE_URL
    try:
        url = Settings._database(url)
    except ValueError as exc:
        problems.append(f"DATABASE_URL: {exc}")
    keys: list[str] = []
    if need_keys:
        raw = values.get("WASLACK_ENCRYPTION_KEYS", "")
        if not raw:
            problems.append("WASLACK_ENCRYPTION_KEYS: is required but not set")
        else:
            try:
                Settings._keys(SecretStr(raw))
                keys = [k.strip() for k in raw.split(",") if k.strip()]
            except ValueError as exc:
                problems.append(f"WASLACK_ENCRYPTION_KEYS: {exc}")
    if problems:
        raise SettingsError(problems)
    return StorageSettings(DATABASE_URL=url, encryption_keys=keys)
