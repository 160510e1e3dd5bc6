"""Fixtures for the connect page: real settings, a migrated database, the real onboarding core, and a Graph
stand-in (tests/web_connect/fake_graph.py) behind the real GraphClient; the app is just connect_routes."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from sqlmodel import func, select
from starlette.applications import Starlette

from relay.services import Services
from relay.settings import Settings
from storage.cipher import generate_key
from storage.migrate import upgrade
from storage.models import AuditEntry, ConnectState, PhoneNumber, Tenant, WhatsAppAccount
from tests.web_connect.fake_graph import APP_ID, FakeGraph
from web.connect import connect_routes
from whatsapp.graph import GraphClient

PUBLIC_BASE_URL = "https://relay.test"
TEAM = "T0TEAM"
USER = "U0ADMIN"


def make_settings(database_url: str, **overrides: str) -> Settings:
    values = {
        "META_APP_ID": APP_ID,
        "META_APP_SECRET": "app-secret",
        "META_CONFIG_ID": "cfg-42",
        "META_WEBHOOK_VERIFY_TOKEN": "verify-me",
        "SLACK_SIGNING_SECRET": "slack-signing-secret",
        "SLACK_BOT_TOKEN": "xoxb-test",
        "PUBLIC_BASE_URL": PUBLIC_BASE_URL,
        "DATABASE_URL": database_url,
        "WASLACK_ENCRYPTION_KEYS": generate_key(),
        "META_GRAPH_URL": "http://graph.test",
        **overrides,
    }
    return Settings.model_validate(values)


async def _no_sleep(_seconds: float) -> None:
    await asyncio.sleep(0)


def build_services(settings: Settings, graph: FakeGraph) -> Services:
    services = Services.build(settings)
    services.graph = GraphClient(
        base_url=settings.META_GRAPH_URL, api_version=settings.META_API_VERSION, app_id=settings.META_APP_ID,
        app_secret=settings.META_APP_SECRET.get_secret_value(), transport=graph.transport, sleep=_no_sleep,
    )
    return services


@pytest.fixture
def fake_graph() -> FakeGraph:
    graph = FakeGraph()
    graph.add_waba("WABA1", ("PN1", "+1 555-010-0001", "Acme Recruiting"))
    graph.add_waba("WABA2", ("PN21", "+1 555-020-0001", "Acme Sales"),
                   ("PN22", "+1 555-020-0002", "Acme Ops"))
    return graph


@pytest.fixture
def settings_overrides() -> dict[str, str]:
    return {}


@pytest.fixture
async def services(database_url, fake_graph, settings_overrides):
    upgrade(database_url)
    services = build_services(make_settings(database_url, **settings_overrides), fake_graph)
    yield services
    await services.aclose()


@pytest.fixture
def app(services) -> Starlette:
    return Starlette(routes=connect_routes(services))


@pytest.fixture
async def client(app):
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=PUBLIC_BASE_URL) as http:
        yield http


@pytest.fixture
def issue_token(services):
    async def issue(team_id: str = TEAM, user_id: str = USER, **kwargs) -> str:
        url = await services.links.issue(team_id, user_id, **kwargs)
        return parse_qs(urlsplit(url).query)["token"][0]

    return issue


class Counts:
    """Row counts of what a connect attempt could create."""

    def __init__(self, services: Services):
        self.services = services

    async def __call__(self) -> dict[str, int]:
        out = {}
        async with self.services.database.session() as session:
            for model in (Tenant, WhatsAppAccount, PhoneNumber, AuditEntry, ConnectState):
                out[model.__name__] = (await session.exec(select(func.count()).select_from(model))).one()
            used = select(func.count()).select_from(ConnectState).where(ConnectState.used_at.is_not(None))
            out["used_links"] = (await session.exec(used)).one()
        return out


@pytest.fixture
def counts(services) -> Counts:
    return Counts(services)


# ---- the whole stack (relay + Meta and Slack simulators on localhost) and a real browser ---------------

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]


@pytest.fixture
async def stack():
    from sandbox.stack import start_stack

    # free_port() picks ports before binding them; another process can take one in between.
    for attempt in range(3):
        try:
            running = await start_stack()
            break
        except (OSError, SystemExit, RuntimeError):
            if attempt == 2:
                raise
    try:
        yield running
    finally:
        await running.stop()


@pytest.fixture
async def browser():
    if not CHROMIUM.exists():  # noqa: ASYNC240 - one stat before launching a browser
        pytest.skip("browser tests need Debian's chromium at /usr/bin/chromium (apt-get install chromium)")
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        await launched.close()


@pytest.fixture
async def browser_context(browser):
    context = await browser.new_context(viewport={"width": 900, "height": 900})
    context.set_default_timeout(15_000)
    yield context
    await context.close()


@pytest.fixture
async def page(browser_context):
    return await browser_context.new_page()


@pytest.fixture
def snap():
    """Save a screenshot when WASLACK_SCREENSHOTS names a folder (for looking at the page's states)."""
    folder = os.environ.get("WASLACK_SCREENSHOTS")

    async def save(page, name: str) -> None:
        if folder:
            Path(folder).mkdir(parents=True, exist_ok=True)  # noqa: ASYNC240 - test-only, tiny
            await page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)

    return save
