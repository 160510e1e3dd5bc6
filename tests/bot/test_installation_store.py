"""Bolt's installation and OAuth-state stores over our database: encrypted tokens, single-use states."""

from __future__ import annotations

from datetime import timedelta

import pytest
from slack_sdk.oauth.installation_store.models.installation import Installation
from sqlalchemy import text

from bot.installation_store import StorageInstallationStore, StorageOAuthStateStore
from storage.cipher import generate_key
from storage.database import Database
from storage.migrate import upgrade
from storage.models import utcnow
from storage.repositories import OAuthStateRepository, TenantRepository
from storage.repositories.installations import LiveInstallations


class FakeServices:
    def __init__(self, database, cipher):
        self.database = database
        self.cipher = cipher
        self.installations = LiveInstallations(database, cipher)


@pytest.fixture
async def services(database_url):
    from storage.cipher import TokenCipher

    upgrade(database_url)
    database = Database(database_url)
    yield FakeServices(database, TokenCipher([generate_key()]))
    await database.dispose()


def installation(token: str = "xoxb-1-secret", team_id: str = "T1") -> Installation:
    return Installation(
        app_id="A1",
        team_id=team_id,
        team_name="Acme",
        bot_token=token,
        bot_id="B1",
        bot_user_id="UBOT",
        bot_scopes=["chat:write", "users:read"],
        user_id="U0ADMIN",
    )


async def test_save_find_and_encrypt(services):
    store = StorageInstallationStore(services)
    await store.async_save(installation())
    bot = await store.async_find_bot(enterprise_id=None, team_id="T1")
    assert bot is not None and bot.bot_token == "xoxb-1-secret" and bot.bot_user_id == "UBOT"
    assert bot.bot_scopes == ["chat:write", "users:read"]
    found = await store.async_find_installation(enterprise_id=None, team_id="T1")
    assert found is not None and found.bot_token == "xoxb-1-secret" and found.user_id == "U0ADMIN"
    assert await store.async_find_installation(enterprise_id=None, team_id="T1", user_id="U0ADMIN") is None
    assert await store.async_find_bot(enterprise_id=None, team_id="T2") is None
    async with services.database.session() as session:
        stored = (await session.exec(text("SELECT bot_token_encrypted FROM slack_installations"))).all()
        assert await TenantRepository(session).get("T1") is not None  # the workspace became a tenant
    assert len(stored) == 1 and "xoxb" not in stored[0][0]


async def test_delete_forgets_the_token_and_reinstall_brings_a_new_one(services):
    store = StorageInstallationStore(services)
    await store.async_save(installation())
    await store.async_delete_all(enterprise_id=None, team_id="T1")
    assert await store.async_find_bot(enterprise_id=None, team_id="T1") is None
    assert await store.async_find_installation(enterprise_id=None, team_id="T1") is None
    await store.async_save(installation("xoxb-2-new"))
    bot = await store.async_find_bot(enterprise_id=None, team_id="T1")
    assert bot is not None and bot.bot_token == "xoxb-2-new"


async def test_installations_without_a_workspace_are_ignored(services):
    store = StorageInstallationStore(services)
    await store.async_save(installation(team_id=None))
    async with services.database.session() as session:
        count = (await session.exec(text("SELECT count(*) FROM slack_installations"))).one()[0]
    assert count == 0


async def test_oauth_state_is_single_use(services):
    states = StorageOAuthStateStore(services)
    state = await states.async_issue()
    other = await states.async_issue()
    assert state != other and len(state) <= 64
    assert await states.async_consume(state) is True
    assert await states.async_consume(state) is False
    assert await states.async_consume("never-issued") is False
    assert await states.async_consume(other) is True


async def test_oauth_state_expires(services):
    async with services.database.session() as session:
        repo = OAuthStateRepository(session)
        stale = await repo.issue(timedelta(minutes=10), now=utcnow() - timedelta(minutes=11))
        fresh = await repo.issue(timedelta(minutes=10))
        await session.commit()
    states = StorageOAuthStateStore(services)
    assert await states.async_consume(stale) is False
    async with services.database.session() as session:
        assert await OAuthStateRepository(session).purge_expired() == 1
        await session.commit()
    assert await states.async_consume(fresh) is True
