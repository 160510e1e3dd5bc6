"""The purges that keep /slack/install and the rate limits from filling the database: scheduled, by age only,
and safe when every instance runs them at the same moment."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from cryptography.fernet import Fernet
from sqlmodel import select

from relay.jobs import RATE_LIMIT_RETENTION, build_scheduler, purge_oauth_states, purge_rate_limit_windows
from relay.services import Services
from relay.settings import load_settings
from storage.migrate import upgrade
from storage.models import RateLimitWindow, SlackOAuthState, utcnow
from storage.repositories import OAuthStateRepository, RateLimitRepository


def services_on(database_url: str) -> Services:
    return Services.build(load_settings({
        "META_APP_ID": "1", "META_APP_SECRET": "a", "META_CONFIG_ID": "c", "META_WEBHOOK_VERIFY_TOKEN": "v",
        "SLACK_SIGNING_SECRET": "s", "SLACK_BOT_TOKEN": "xoxb-1", "PUBLIC_BASE_URL": "https://relay.example",
        "WASLACK_ENCRYPTION_KEYS": Fernet.generate_key().decode(), "DATABASE_URL": database_url,
    }, env_file=None))


@pytest.fixture
async def instances(database_url):
    """Two relay instances on one database."""
    upgrade(database_url)
    first, second = services_on(database_url), services_on(database_url)
    yield first, second
    await first.aclose()
    await second.aclose()


async def test_expired_oauth_states_are_purged_live_ones_kept(instances):
    first, second = instances
    now = utcnow()
    async with first.database.session() as session:
        states = OAuthStateRepository(session)
        expired = [await states.issue(timedelta(minutes=10), now=now - timedelta(minutes=11)) for _ in range(30)]
        live = await states.issue(timedelta(minutes=10), now=now)
        await session.commit()
    purged = await asyncio.gather(purge_oauth_states(first), purge_oauth_states(second))
    assert sum(purged) == len(expired), "both instances ran; each expired row went once"
    async with first.database.session() as session:
        left = (await session.exec(select(SlackOAuthState.state))).all()
    assert left == [live]


async def test_old_rate_limit_windows_are_purged_recent_ones_kept(instances):
    first, second = instances
    now = utcnow().replace(second=0, microsecond=0)
    old, recent = now - RATE_LIMIT_RETENTION - timedelta(minutes=1), now - timedelta(minutes=1)
    async with first.database.session() as session:
        windows = RateLimitRepository(session)
        for client in range(20):
            await windows.count_hit(f"connect-status:192.0.2.{client}", old)
        await windows.count_hit("connect-status:192.0.2.1", recent)
        await session.commit()
    purged = await asyncio.gather(purge_rate_limit_windows(first), purge_rate_limit_windows(second))
    assert sum(purged) == 20
    async with first.database.session() as session:
        left = (await session.exec(select(RateLimitWindow))).all()
    assert [(w.bucket, w.window_start, w.hits) for w in left] == [("connect-status:192.0.2.1", recent, 1)]


async def test_the_purges_are_scheduled(instances):
    jobs = {job.id: job for job in build_scheduler(instances[0]).get_jobs()}
    for name in ("purge_oauth_states", "purge_rate_limit_windows"):
        assert jobs[name].trigger.interval <= timedelta(minutes=10)


async def test_processed_webhooks_go_after_30_days_parked_ones_stay(instances):
    from sqlalchemy import update

    from relay.jobs import purge_old_webhooks
    from storage.messaging_models import InboxState, WebhookInbox
    from storage.repositories.inbox import InboxRepository

    first, second = instances
    async with first.database.session() as session:
        await InboxRepository(session).add_many([b"{}", b"{}", b"{}"])
        old_done, fresh_done, old_dead = (await session.exec(select(WebhookInbox.id).order_by(WebhookInbox.id))).all()
        long_ago = utcnow() - timedelta(days=31)
        await session.execute(update(WebhookInbox).where(WebhookInbox.id.in_([old_done, old_dead])).values(
            processed_at=long_ago))
        await session.execute(update(WebhookInbox).where(WebhookInbox.id.in_([old_done, fresh_done])).values(
            state=InboxState.DONE.value))
        await session.execute(update(WebhookInbox).where(WebhookInbox.id == fresh_done).values(processed_at=utcnow()))
        await session.execute(update(WebhookInbox).where(WebhookInbox.id == old_dead).values(
            state=InboxState.DEAD.value))
        await session.commit()
    removed = await asyncio.gather(purge_old_webhooks(first), purge_old_webhooks(second))
    assert sum(removed) == 1
    async with first.database.session() as session:
        left = {row.id for row in (await session.exec(select(WebhookInbox))).all()}
    assert left == {fresh_done, old_dead}
