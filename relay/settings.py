"""The one typed settings object: read once from the environment (and an optional .env), validated, secrets wrapped.

Nothing else in waslack reads ``os.environ``; code receives a ``Settings``.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
from collections.abc import Mapping
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
        has_token = self.SLACK_BOT_TOKEN is not None and bool(self.SLACK_BOT_TOKEN.get_secret_value())
        has_oauth = bool(self.SLACK_CLIENT_ID) or self.SLACK_CLIENT_SECRET is not None
        if has_token and has_oauth:
            raise ValueError("SLACK_BOT_TOKEN: set either it or SLACK_CLIENT_ID/SLACK_CLIENT_SECRET, not both")
        if not has_token and not has_oauth:
            raise ValueError(
                "SLACK_BOT_TOKEN: set it (single workspace) or SLACK_CLIENT_ID and SLACK_CLIENT_SECRET (OAuth)"
            )
        if has_oauth and not (self.SLACK_CLIENT_ID and self.SLACK_CLIENT_SECRET):
            raise ValueError("SLACK_CLIENT_ID: OAuth mode needs both SLACK_CLIENT_ID and SLACK_CLIENT_SECRET")
        fallback = [self.META_WABA_ID, self.META_PHONE_ID, self.META_ACCESS_TOKEN]
        if any(v is not None for v in fallback) and not all(v is not None for v in fallback):
            raise ValueError("META_WABA_ID: set META_WABA_ID, META_PHONE_ID and META_ACCESS_TOKEN together or none")
        if self.META_WABA_ID is not None and has_oauth:
            raise ValueError("META_WABA_ID: a number configured outside Embedded Signup needs single-workspace "
                             "mode (SLACK_BOT_TOKEN); in OAuth mode connect it from the Home tab")
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
    try:
        return Settings.model_validate(values)
    except ValidationError as exc:
        problems = [_describe(e) for e in exc.errors(include_input=False, include_url=False)]
        raise SettingsError(problems) from None


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
