"""HSTS on every page once the relay is served over HTTPS; never on the sandbox's plain-HTTP localhost."""

from __future__ import annotations

import pytest

from tests.web.conftest import client_for, relay_settings, started_relay, stopped

HSTS = "max-age=31536000; includeSubDomains"
PAGES = [("GET", "/connect"), ("GET", "/connect?token=forged"), ("GET", "/connect/callback"),
         ("GET", "/connect/status?token=x"), ("GET", "/healthz"), ("POST", "/slack/events"),
         ("GET", "/slack/install")]


@pytest.fixture
def database_url(tmp_path):
    return f"sqlite:///{tmp_path / 'waslack.db'}"


async def answers(settings) -> dict[str, str | None]:
    relay = started_relay(settings)
    try:
        async with client_for(relay) as http:
            return {f"{method} {path}": (await http.request(method, path)).headers.get("strict-transport-security")
                    for method, path in PAGES}
    finally:
        await stopped(relay)


async def test_https_pages_carry_hsts(database_url):
    assert await answers(relay_settings(database_url)) == {page: HSTS for page in
                                                           (f"{m} {p}" for m, p in PAGES)}


async def test_plain_http_sandbox_pages_do_not(database_url):
    settings = relay_settings(database_url, PUBLIC_BASE_URL="http://127.0.0.1:8001", WASLACK_MODE="sandbox")
    assert set((await answers(settings)).values()) == {None}
