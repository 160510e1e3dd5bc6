"""Connect links: signed, single use, 15 minutes — and a signup started in time may finish in Meta's window."""

import asyncio
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from relay.onboarding.links import SIGNUP_GRACE, ConnectLinks, LinkError, LinkProblem, sign_token
from storage.database import Database
from storage.migrate import upgrade
from storage.models import utcnow

KEY = b"k" * 32


@pytest.fixture
async def links(database_url):
    upgrade(database_url)
    database = Database(database_url)
    yield ConnectLinks(database, KEY, "https://relay.example")
    await database.dispose()


def token_of(url: str) -> str:
    return parse_qs(urlsplit(url).query)["token"][0]


async def problem(coro) -> LinkProblem:
    with pytest.raises(LinkError) as excinfo:
        await coro
    return excinfo.value.problem


async def test_issue_inspect_consume_once(links):
    url = await links.issue("T1", "U1")
    assert url.startswith("https://relay.example/connect?token=")
    token = token_of(url)
    link = await links.inspect(token)
    assert (link.team_id, link.user_id, link.used_at) == ("T1", "U1", None)
    assert link.expires_at - utcnow() > timedelta(minutes=14)
    used = await links.consume(token)
    assert used.nonce == link.nonce
    assert await problem(links.consume(token)) == LinkProblem.USED
    assert await problem(links.inspect(token)) == LinkProblem.USED
    assert (await links.inspect(token, allow_used=True)).team_id == "T1"


@pytest.mark.parametrize("bad", ["", "abc", "a.b.c", "nonce.", ".sig", "x" * 300])
async def test_malformed_tokens_are_forged(links, bad):
    assert await problem(links.inspect(bad)) == LinkProblem.FORGED


async def test_tampered_or_foreign_signatures_are_forged(links):
    token = token_of(await links.issue("T1", "U1"))
    nonce, signature = token.split(".")
    flipped = "B" if signature[-1] == "A" else "A"
    assert await problem(links.inspect(f"{nonce}.{signature[:-1]}{flipped}")) == LinkProblem.FORGED
    assert await problem(links.inspect(f"{nonce[:-1]}{'x' if nonce[-1] != 'x' else 'y'}.{signature}")) == (
        LinkProblem.FORGED)
    assert await problem(links.inspect(sign_token(b"other-key" * 4, nonce))) == LinkProblem.FORGED
    assert await problem(links.inspect(sign_token(KEY, "unknown-nonce"))) == LinkProblem.FORGED


async def test_an_unopened_link_expires_after_15_minutes(links):
    now = utcnow()
    token = token_of(await links.issue("T1", "U1", now=now))
    assert await problem(links.consume(token, now=now + timedelta(minutes=15, seconds=1))) == LinkProblem.EXPIRED


async def test_a_link_opened_in_time_may_finish_its_signup_during_the_grace(links):
    now = utcnow()
    token = token_of(await links.issue("T1", "U1", now=now))
    await links.open(token, now=now + timedelta(minutes=14))
    # the page is not shown again after expiry ...
    assert await problem(links.open(token, now=now + timedelta(minutes=16))) == LinkProblem.EXPIRED
    # ... but the signup that started in time completes
    assert (await links.consume(token, now=now + timedelta(minutes=20))).team_id == "T1"


async def test_the_grace_ends(links):
    now = utcnow()
    token = token_of(await links.issue("T1", "U1", now=now))
    await links.open(token, now=now + timedelta(minutes=1))
    late = now + timedelta(minutes=15) + SIGNUP_GRACE + timedelta(seconds=1)
    assert await problem(links.consume(token, now=late)) == LinkProblem.EXPIRED


async def test_opening_an_expired_link_grants_no_grace(links):
    now = utcnow()
    token = token_of(await links.issue("T1", "U1", now=now))
    assert await problem(links.open(token, now=now + timedelta(minutes=16))) == LinkProblem.EXPIRED
    assert await problem(links.consume(token, now=now + timedelta(minutes=17))) == LinkProblem.EXPIRED


async def test_only_one_of_many_concurrent_consumers_wins(links):
    token = token_of(await links.issue("T1", "U1"))
    results = await asyncio.gather(*(links.consume(token) for _ in range(8)), return_exceptions=True)
    assert sum(not isinstance(r, Exception) for r in results) == 1
    assert all(r.problem == LinkProblem.USED for r in results if isinstance(r, LinkError))
