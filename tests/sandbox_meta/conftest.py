"""Fixtures for the Meta simulator: a controllable clock, a webhook receiver, and an in-process client."""

from __future__ import annotations

import httpx
import pytest

from sandbox.meta import MetaSimConfig, create_meta_simulator

from .tenants import APP_ID, APP_SECRET, CONFIG_ID, ORIGIN, SYSTEM_TOKEN, WEBHOOK_URL, V


class FakeClock:
    """A clock tests move by hand."""

    def __init__(self, now: float = 1_760_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class WebhookReceiver:
    """Stands in for the relay: records every webhook POST and answers ``status``."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self.status = 200

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return httpx.Response(self.status, json={"ok": True})


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def receiver() -> WebhookReceiver:
    return WebhookReceiver()


@pytest.fixture
def config() -> MetaSimConfig:
    return MetaSimConfig(
        app_id=APP_ID,
        app_secret=APP_SECRET,
        config_id=CONFIG_ID,
        api_version=V,
        webhook_url=WEBHOOK_URL,
        system_user_token=SYSTEM_TOKEN,
        public_url=ORIGIN,
    )


@pytest.fixture
def app(config, clock, receiver):
    return create_meta_simulator(config, webhook_transport=httpx.MockTransport(receiver.handler), clock=clock)


@pytest.fixture
def sim(app):
    return app.state.sim


@pytest.fixture
async def client(app):
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=ORIGIN) as http:
        yield http
