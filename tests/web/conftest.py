"""The whole relay web app (build_relay) on a migrated database, driven in-process, plus Slack's and Meta's
request signing written from their documentation."""

from __future__ import annotations

import hashlib
import hmac
import logging
import time

import httpx
import pytest
from cryptography.fernet import Fernet

from relay.runtime import Relay, build_relay
from relay.settings import Settings, load_settings
from storage.migrate import upgrade

SLACK_SIGNING_SECRET = "slack-signing-secret-for-edge-tests"
META_APP_SECRET = "meta-app-secret-for-edge-tests"
RELAY_URL = "https://relay.example"


def relay_settings(database_url: str, **overrides: str) -> Settings:
    values = {
        "META_APP_ID": "1", "META_APP_SECRET": META_APP_SECRET, "META_CONFIG_ID": "c",
        "META_WEBHOOK_VERIFY_TOKEN": "verify", "SLACK_SIGNING_SECRET": SLACK_SIGNING_SECRET,
        "SLACK_BOT_TOKEN": "xoxb-1", "PUBLIC_BASE_URL": RELAY_URL,
        "WASLACK_ENCRYPTION_KEYS": Fernet.generate_key().decode(), "DATABASE_URL": database_url,
        # nothing listens there: a request that reaches Slack's API fails at once instead of going out
        "SLACK_API_URL": "http://127.0.0.1:9/api/",
        **overrides,
    }
    return load_settings({k: v for k, v in values.items() if v is not None}, env_file=None)


OAUTH_MODE = {"SLACK_BOT_TOKEN": None, "SLACK_CLIENT_ID": "111.222", "SLACK_CLIENT_SECRET": "oauth-secret"}


def started_relay(settings: Settings) -> Relay:
    upgrade(settings.DATABASE_URL)
    return build_relay(settings, run_jobs=False)


async def stopped(relay: Relay) -> None:
    await relay.clients.aclose()
    await relay.services.aclose()


def client_for(relay: Relay, client_host: str = "203.0.113.7") -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=relay.web, client=(client_host, 40000))
    return httpx.AsyncClient(transport=transport, base_url=RELAY_URL)


@pytest.fixture
async def relay(database_url):
    running = started_relay(relay_settings(database_url))
    yield running
    await stopped(running)


@pytest.fixture
async def client(relay):
    async with client_for(relay) as http:
        yield http


def slack_signed(body: bytes, *, timestamp: int | None = None, secret: str = SLACK_SIGNING_SECRET,
                 content_type: str = "application/json") -> dict[str, str]:
    """Slack's v0 signature: HMAC-SHA256 over ``v0:{timestamp}:{body}`` with the signing secret."""
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), b"v0:" + stamp.encode() + b":" + body, hashlib.sha256).hexdigest()
    return {"Content-Type": content_type, "X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": f"v0={digest}"}


def meta_signed(body: bytes, secret: str = META_APP_SECRET) -> dict[str, str]:
    """Meta's X-Hub-Signature-256: HMAC-SHA256 of the raw body with the app secret."""
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return {"X-Hub-Signature-256": f"sha256={digest}", "Content-Type": "application/json"}


def assert_quiet(caplog) -> None:
    """No traceback and no error line: refusals are warnings of one line."""
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR], caplog.text
    assert "Traceback" not in caplog.text
