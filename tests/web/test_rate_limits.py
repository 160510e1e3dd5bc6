"""Rate limits live in the database: two relay instances on one database share one limit per client, the count
is atomic under concurrency, and the window slides instead of resetting."""

from __future__ import annotations

import asyncio
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlmodel import func, select

from storage.database import Database
from storage.migrate import upgrade
from storage.models import RateLimitWindow, SlackOAuthState
from tests.web.conftest import OAUTH_MODE, client_for, relay_settings, started_relay, stopped
from web.rate_limits import SharedRateLimit

WINDOW_START = 1_800_000_000.0  # a multiple of 60: a window starts here


class Clock:
    def __init__(self, now: float):
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def databases(database_url):
    """Two engines on one database, as two instances of the relay would have."""
    upgrade(database_url)
    first, second = Database(database_url), Database(database_url)
    yield first, second
    await first.dispose()
    await second.dispose()


@pytest.fixture
async def two_relays(database_url):
    """Two whole relays (OAuth mode) on one database, like two `waslack serve` processes."""
    first = started_relay(relay_settings(database_url, **OAUTH_MODE))
    second = started_relay(relay_settings(database_url, **OAUTH_MODE))
    yield first, second
    await stopped(first)
    await stopped(second)


async def test_two_limiters_on_one_database_share_the_count(databases):
    clock = Clock(WINDOW_START + 1)
    on_first, on_second = (SharedRateLimit(db, "test", limit=4, clock=clock) for db in databases)
    answers = [await limiter.take("198.51.100.1") for limiter in (on_first, on_second) * 3]
    assert answers[:4] == [0.0] * 4 and all(wait > 0 for wait in answers[4:])
    assert await on_second.take("198.51.100.2") == 0.0, "each client has its own count"


async def test_the_count_is_atomic_under_concurrency(databases):
    clock = Clock(WINDOW_START + 1)
    limiters = [SharedRateLimit(db, "burst", limit=10, clock=clock) for db in databases]
    answers = await asyncio.gather(*(limiters[i % 2].take("198.51.100.1") for i in range(30)))
    assert sum(1 for wait in answers if wait == 0.0) == 10
    async with databases[0].session() as session:
        window = (await session.exec(select(RateLimitWindow))).one()
    assert window.hits == 30


async def test_the_window_slides_instead_of_resetting(databases):
    clock = Clock(WINDOW_START)
    limiter = SharedRateLimit(databases[0], "slide", limit=4, clock=clock)
    assert [await limiter.take("c") for _ in range(4)] == [0.0] * 4
    clock.now = WINDOW_START + 59
    refused = await limiter.take("c")
    assert refused == pytest.approx(1.0), "the wait runs to the end of the window"
    clock.now = WINDOW_START + 61  # a new fixed window, but the last 60 s still hold 5 hits
    assert await limiter.take("c") > 0, "no second burst right after a window edge"
    clock.now = WINDOW_START + 60 + 45  # a quarter of the previous window still counts: 5 * 0.25 + 2 hits
    assert await limiter.take("c") == 0.0
    clock.now = WINDOW_START + 300
    assert [await limiter.take("c") for _ in range(4)] == [0.0] * 4, "a quiet client starts afresh"


async def test_the_connect_endpoints_share_one_limit_across_instances(two_relays):
    first, second = two_relays
    async with client_for(first) as a, client_for(second) as b:
        answers = [(await http.post("/connect/complete", json={})).status_code for http in (a, b) * 6]
    assert answers[:10] == [400] * 10 and answers[10:] == [429, 429]


async def test_the_slack_install_route_is_limited_across_instances(two_relays):
    first, second = two_relays
    async with client_for(first) as a, client_for(second) as b, client_for(first, "198.51.100.9") as other:
        answers = [await http.get("/slack/install") for http in (a, b) * 6]
        assert [r.status_code for r in answers] == [302] * 10 + [429] * 2
        assert int(answers[-1].headers["retry-after"]) >= 1 and answers[-1].json()["error"] == "too many requests"
        assert (await other.get("/slack/install")).status_code == 302, "another client is not affected"
    state = parse_qs(urlsplit(answers[0].headers["location"]).query)["state"][0]
    async with first.services.database.session() as session:
        states = (await session.exec(select(func.count()).select_from(SlackOAuthState))).one()
        assert (await session.get(SlackOAuthState, state)) is not None
    assert states == 11, "a refused install stores no OAuth state"


async def test_the_oauth_redirect_is_limited(two_relays):
    first, second = two_relays
    async with client_for(first) as a, client_for(second) as b:
        answers = [(await http.get("/slack/oauth_redirect", params={"code": "c", "state": "s"})).status_code
                   for http in (a, b) * 6]
    assert all(status < 500 for status in answers) and 429 not in answers[:10] and answers[10:] == [429, 429]


async def test_a_forged_forwarded_for_header_does_not_buy_a_fresh_limit(two_relays):
    """Only uvicorn (for proxies in --forwarded-allow-ips) may turn X-Forwarded-For into the client address."""
    first, _ = two_relays
    async with client_for(first) as http:
        answers = [(await http.post("/connect/complete", json={},
                                    headers={"X-Forwarded-For": f"192.0.2.{n}"})).status_code for n in range(11)]
    assert answers[-1] == 429
