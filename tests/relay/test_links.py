"""Connect links: signed, single use, 15 minutes — a signup started in time may finish in Meta's window, retry
links die with their chain, and a workspace without the app has no working links."""

import asyncio
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from relay.onboarding.links import (
    AFTER_USE,
    CHAIN_LIFETIME,
    MAX_RETRIES,
    SIGNUP_GRACE,
    ConnectLinks,
    LinkError,
    LinkProblem,
    sign_token,
)
from relay.onboarding.workspaces import Workspaces
from storage.cipher import TokenCipher, generate_key
from storage.database import Database
from storage.migrate import upgrade
from storage.models import utcnow
from storage.repositories import ConnectStateRepository, InstallationRepository

KEY = b"k" * 32


def make_links(database: Database, *, single_workspace: bool) -> ConnectLinks:
    workspaces = Workspaces(database, TokenCipher([generate_key()]), single_workspace=single_workspace)
    return ConnectLinks(database, KEY, "https://relay.example", workspaces=workspaces)


@pytest.fixture
async def database(database_url):
    upgrade(database_url)
    database = Database(database_url)
    yield database
    await database.dispose()


@pytest.fixture
def links(database):
    """Single-workspace mode (SLACK_BOT_TOKEN): the workspace is the configured one, no installation row."""
    return make_links(database, single_workspace=True)


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


# ---- retry links: a chain that dies as a whole -----------------------------------------------------------

async def test_retry_links_carry_the_root_time_and_count_and_stop_after_max_retries(links):
    now = utcnow()
    token = token_of(await links.issue("T1", "U1", now=now))
    root = await links.inspect(token, now=now)
    assert (root.root_created_at, root.retry_count) == (root.created_at, 0)
    for retry in range(1, MAX_RETRIES + 1):
        await links.consume(token, now=now)  # the attempt fails after using the link ...
        token = token_of(await links.renew(token, now=now))  # ... and Try again gets the next one
        link = await links.inspect(token, now=now)
        assert (link.team_id, link.user_id, link.retry_count) == ("T1", "U1", retry)
        assert link.root_created_at == root.created_at
    await links.consume(token, now=now)
    assert await problem(links.renew(token, now=now)) == LinkProblem.EXPIRED


async def test_one_used_link_cannot_be_renewed_into_many(links):
    now = utcnow()
    token = token_of(await links.issue("T1", "U1", now=now))
    await links.consume(token, now=now)
    siblings = [token_of(await links.renew(token, now=now)) for _ in range(MAX_RETRIES)]
    assert len(set(siblings)) == MAX_RETRIES
    assert await problem(links.renew(token, now=now)) == LinkProblem.EXPIRED


async def test_a_chain_ends_an_hour_after_its_first_link(links):
    start = utcnow()
    token = token_of(await links.issue("T1", "U1", now=start))
    at = start
    for minutes in (10, 24, 38, 52):  # a failure every quarter of an hour or so, each renewed in time
        at = start + timedelta(minutes=minutes)
        await links.consume(token, now=at)
        token = token_of(await links.renew(token, now=at))
    last = await links.inspect(token, now=at)
    assert last.expires_at == start + CHAIN_LIFETIME, "the last link is cut short at the chain's end"
    await links.open(token, now=at)
    # the grace of an opened link does not reach past the chain's lifetime either
    assert await problem(links.consume(token, now=start + CHAIN_LIFETIME + timedelta(seconds=1))) == (
        LinkProblem.EXPIRED)
    await links.consume(token, now=start + CHAIN_LIFETIME - timedelta(seconds=1))
    assert await problem(links.renew(token, now=start + CHAIN_LIFETIME)) == LinkProblem.EXPIRED


# ---- used links answer their page only shortly after use -------------------------------------------------

async def test_a_used_link_answers_for_a_short_while_after_its_use(links):
    now = utcnow()
    token = token_of(await links.issue("T1", "U1", now=now))
    await links.consume(token, now=now)
    assert (await links.inspect(token, now=now + AFTER_USE - timedelta(seconds=1), allow_used=True)).team_id == "T1"
    assert await problem(links.inspect(token, now=now + AFTER_USE, allow_used=True)) == LinkProblem.EXPIRED
    assert await problem(links.inspect(token, now=now + timedelta(days=6), allow_used=True)) == LinkProblem.EXPIRED


# ---- links of a workspace that removed the app -----------------------------------------------------------

async def test_without_a_live_installation_a_link_neither_opens_nor_claims(database):
    links = make_links(database, single_workspace=False)  # OAuth mode: installations are the truth
    cipher = links.workspaces.cipher
    token = token_of(await links.issue("T1", "U1"))
    nonce = token.split(".")[0]
    assert await problem(links.open(token)) == LinkProblem.EXPIRED, "never installed"
    assert await problem(links.consume(token)) == LinkProblem.EXPIRED

    async with database.session() as session:
        await InstallationRepository(session, cipher).save(team_id="T1", bot_token="xoxb-1")
        await session.commit()
    await links.open(token)
    async with database.session() as session:
        assert await links.hold(session, nonce)

    async with database.session() as session:
        await InstallationRepository(session, cipher).revoke("T1")
        await session.commit()
    assert await problem(links.open(token)) == LinkProblem.EXPIRED, "uninstalled"
    assert await problem(links.consume(token)) == LinkProblem.EXPIRED
    async with database.session() as session:
        assert not await links.hold(session, nonce), "a claim in flight does not store its account"


async def test_in_single_workspace_mode_the_configured_workspace_is_live(links):
    token = token_of(await links.issue("T1", "U1"))
    await links.open(token)  # no installation row exists in this mode
    assert (await links.consume(token)).team_id == "T1"


async def test_deleted_links_are_gone(links):
    token = token_of(await links.issue("T1", "U1"))
    other = token_of(await links.issue("T2", "U1"))
    async with links.database.session() as session:
        assert await ConnectStateRepository(session).delete_for_team("T1") == 1
        await session.commit()
    assert await problem(links.open(token)) == LinkProblem.FORGED
    await links.open(other)
