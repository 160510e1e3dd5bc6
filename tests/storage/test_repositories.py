from datetime import timedelta

import pytest
from sqlalchemy import select

from storage.models import AccountStatus, utcnow
from storage.repositories import (
    AccountRepository,
    AuditRepository,
    ConnectStateRepository,
    InstallationRepository,
    TenantRepository,
)
from storage.repositories.accounts import NumberOwnedElsewhereError


async def test_tenant_get_or_create_is_stable(database):
    async with database.session() as session:
        tenants = TenantRepository(session)
        first = await tenants.get_or_create("T1", "Acme")
        again = await tenants.get_or_create("T1")
        await session.commit()
    assert first.id == again.id and again.name == "Acme"


async def test_installation_save_find_revoke(database, cipher):
    async with database.session() as session:
        repo = InstallationRepository(session, cipher)
        await repo.save(team_id="T1", bot_token="xoxb-1", bot_user_id="UBOT", bot_scopes="chat:write")
        await repo.save(team_id="T1", bot_token="xoxb-2", bot_user_id="UBOT")  # re-install replaces
        await session.commit()
    async with database.session() as session:
        repo = InstallationRepository(session, cipher)
        found = await repo.find("T1")
        assert found is not None and repo.bot_token(found) == "xoxb-2"
        assert await repo.revoke("T1") is True
        await session.commit()
    async with database.session() as session:
        repo = InstallationRepository(session, cipher)
        assert await repo.find("T1") is None
        revoked = await repo.find_any("T1")
        assert revoked is not None and revoked.bot_token_encrypted is None and revoked.revoked_at is not None
        assert await repo.revoke("T1") is False


async def test_account_upsert_keeps_identity_on_reconnect(database, cipher):
    async with database.session() as session:
        tenant = await TenantRepository(session).get_or_create("T1")
        accounts = AccountRepository(session, cipher)
        account, created = await accounts.upsert(
            tenant_id=tenant.id, waba_id="W1", business_token="tok-1", connected_by_user_id="U1",
            status=AccountStatus.ACTIVE,
        )
        number = await accounts.upsert_number(account, phone_number_id="P1", display_phone_number="+1 555")
        number.slack_channel_id = "C1"
        await accounts.save_number(number, pin="123456")
        await session.commit()
    assert created is True
    async with database.session() as session:
        accounts = AccountRepository(session, cipher)
        tenant = await TenantRepository(session).get("T1")
        again, created_again = await accounts.upsert(tenant_id=tenant.id, waba_id="W1", business_token="tok-2")
        await session.commit()
        assert created_again is False and again.id == account.id
        assert accounts.business_token(again) == "tok-2"
        numbers = await accounts.numbers(again)
        assert [n.phone_number_id for n in numbers] == ["P1"]
        assert numbers[0].slack_channel_id == "C1" and accounts.pin(numbers[0]) == "123456"
        assert [a.waba_id for a in await accounts.list_for_team("T1")] == ["W1"]


async def test_same_waba_twice_in_a_workspace_is_one_row_but_two_workspaces_may_differ(database, cipher):
    async with database.session() as session:
        tenants = TenantRepository(session)
        accounts = AccountRepository(session, cipher)
        t1, t2 = await tenants.get_or_create("T1"), await tenants.get_or_create("T2")
        a1, _ = await accounts.upsert(tenant_id=t1.id, waba_id="W1", business_token="x")
        a2, _ = await accounts.upsert(tenant_id=t2.id, waba_id="W1", business_token="y")
        await accounts.upsert_number(a1, phone_number_id="P1")
        with pytest.raises(NumberOwnedElsewhereError):
            await accounts.upsert_number(a2, phone_number_id="P1")
        assert a1.id != a2.id


async def test_disconnect_forgets_token_keeps_numbers(database, cipher):
    async with database.session() as session:
        tenant = await TenantRepository(session).get_or_create("T1")
        accounts = AccountRepository(session, cipher)
        account, _ = await accounts.upsert(tenant_id=tenant.id, waba_id="W1", business_token="tok")
        await accounts.upsert_number(account, phone_number_id="P1")
        await accounts.disconnect(account, reason="by U1")
        await session.commit()
        assert account.status == "disconnected" and accounts.business_token(account) is None
        assert len(await accounts.numbers(account)) == 1


async def test_subscription_retry_queue(database, cipher):
    async with database.session() as session:
        tenant = await TenantRepository(session).get_or_create("T1")
        accounts = AccountRepository(session, cipher)
        account, _ = await accounts.upsert(
            tenant_id=tenant.id, waba_id="W1", business_token="tok", status=AccountStatus.ACTIVE
        )
        await accounts.record_subscription(account, ok=False, error="rate limited", retry_at=utcnow())
        assert [a.id for a in await accounts.due_for_subscription_retry(utcnow() + timedelta(seconds=1))] == [
            account.id
        ]
        await accounts.record_subscription(account, ok=True)
        assert await accounts.due_for_subscription_retry(utcnow() + timedelta(seconds=1)) == []


async def test_connect_state_is_single_use_and_expires(database):
    now = utcnow()
    async with database.session() as session:
        states = ConnectStateRepository(session)
        live = await states.create("T1", "U1", timedelta(minutes=15), now=now)
        stale = await states.create("T1", "U1", timedelta(minutes=15), now=now - timedelta(minutes=20))
        await session.commit()
    async with database.session() as session:
        states = ConnectStateRepository(session)
        assert await states.consume(live.nonce, now=now) is True
        assert await states.consume(live.nonce, now=now) is False  # reused
        assert await states.consume(stale.nonce, now=now) is False  # expired
        assert await states.consume("forged", now=now) is False
        await states.finish(live.nonce, outcome="connected")
        await session.commit()
        assert (await states.get(live.nonce)).outcome == "connected"


async def test_audit_entries_are_listed_newest_first(database):
    async with database.session() as session:
        audit = AuditRepository(session)
        await audit.record(actor="U1", action="connect", team_id="T1", subject="W1", detail={"numbers": 1})
        await audit.record(actor="U1", action="disconnect", team_id="T1", subject="W1")
        await session.commit()
        entries = await audit.list("T1")
    assert [e.action for e in entries] == ["disconnect", "connect"]
    assert entries[1].detail == '{"numbers": 1}'


async def test_home_viewers_are_remembered_once(database):
    from storage.repositories import HomeViewerRepository

    async with database.session() as session:
        viewers = HomeViewerRepository(session)
        await viewers.remember("T1", "U1")
        await viewers.remember("T1", "U1")
        await viewers.remember("T1", "U2")
        await viewers.remember("T2", "U9")
        await session.commit()
        assert await viewers.list("T1") == ["U1", "U2"]


async def test_stored_webhooks_read_back_as_the_orm_would_have_written_them(database):
    """add_many writes prepared rows straight to the driver: what the ORM reads back must be what its own
    insert would have stored (UTC-aware times, states, the exact bytes), and the due-claim must find them."""
    from storage.messaging_models import InboxState, WebhookInbox
    from storage.repositories.inbox import InboxRepository

    bodies = [b'{"object":"whatsapp_business_account"}', b"\x00\xffnot json", b""]
    before = utcnow()
    async with database.session() as session:
        await InboxRepository(session).add_many(bodies, unparseable=[None, "not JSON", None])
        await session.commit()
    after = utcnow()
    async with database.session() as session:
        rows = sorted((await session.execute(select(WebhookInbox))).scalars().all(), key=lambda r: r.id)
        assert [r.body for r in rows] == bodies
        assert [r.state for r in rows] == [InboxState.PENDING.value, InboxState.UNPARSEABLE.value,
                                           InboxState.PENDING.value]
        assert [r.error for r in rows] == [None, "not JSON", None] and [r.attempts for r in rows] == [0, 0, 0]
        for row in rows:
            assert row.received_at.tzinfo is not None and before <= row.received_at <= after
            assert row.next_attempt_at == row.received_at
        assert rows[0].processed_at is None and rows[1].processed_at == rows[1].received_at
        claimed = await InboxRepository(session).claim_due(10, timedelta(seconds=10), now=after)
        assert [r.id for r in claimed] == [rows[0].id, rows[2].id]
