"""Background jobs (APScheduler): retry webhook subscriptions, retry blocked registrations, close 24-hour
windows on thread parents, read each account's message templates again when due, purge old links, expired
Slack OAuth states, old rate-limit windows and old webhooks.

Every instance runs them; each row is claimed with a conditional UPDATE so only one instance acts on it. The
purges are plain DELETEs by age: when two instances run one at once, each row still goes exactly once.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import update
from sqlmodel import col, select

from relay.services import Services
from relay.templates.sync import sync_due_accounts
from storage.models import AccountStatus, PhoneNumber, RegistrationState, Tenant, WhatsAppAccount, utcnow
from storage.repositories import (
    AccountRepository,
    AuditRepository,
    ConnectStateRepository,
    OAuthStateRepository,
    RateLimitRepository,
)
from whatsapp.errors import GraphError, RegistrationLimitError

log = logging.getLogger("waslack.jobs")

SUBSCRIBE_BACKOFF = timedelta(minutes=15)
REGISTER_BACKOFF = timedelta(hours=72)
# Far longer than any limit's window (a minute), so a window still being counted is never dropped.
RATE_LIMIT_RETENTION = timedelta(hours=1)
WEBHOOK_RETENTION = timedelta(days=30)


async def _claim_row(services: Services, model, row_id: int, column: str, seen, until) -> bool:  # type: ignore[no-untyped-def]
    """Move ``column`` from the value we saw to ``until``; True for the one instance that managed it."""
    async with services.database.session() as session:
        result = await session.exec(  # type: ignore[call-overload]
            update(model).where(col(model.id) == row_id, getattr(model, column) == seen).values({column: until})
        )
        await session.commit()
    return bool(result.rowcount == 1)


async def retry_subscriptions(services: Services) -> int:
    """Subscribe our app to WABAs whose subscription failed at connect time (seed 000 section 10.2)."""
    async with services.database.session() as session:
        due = await AccountRepository(session, services.cipher).due_for_subscription_retry()
    done = 0
    for account in due:
        if not await _claim_row(services, WhatsAppAccount, account.id, "subscribe_retry_at",  # type: ignore[arg-type]
                                account.subscribe_retry_at, utcnow() + SUBSCRIBE_BACKOFF):
            continue
        async with services.database.session() as session:
            token = AccountRepository(session, services.cipher).business_token(account)
        if token is None:
            continue
        try:
            await services.graph.subscribe_app(account.waba_id, token)
        except GraphError as exc:
            log.warning("subscription retry for WABA %s failed: %s", account.waba_id, exc)
            async with services.database.session() as session:
                accounts = AccountRepository(session, services.cipher)
                live = await accounts.get(account.id)  # type: ignore[arg-type]
                if live is not None:
                    await accounts.record_subscription(live, ok=False, error=str(exc)[:500],
                                                       retry_at=utcnow() + SUBSCRIBE_BACKOFF)
                    await session.commit()
            continue
        async with services.database.session() as session:
            accounts = AccountRepository(session, services.cipher)
            live = await accounts.get(account.id)  # type: ignore[arg-type]
            assert live is not None
            await accounts.record_subscription(live, ok=True)
            await AuditRepository(session).record(actor="system", action="whatsapp.subscribed",
                                                  subject=live.waba_id)
            await session.commit()
        done += 1
        await services.notifier.refresh_home(await _team_of(services, account))  # drop "webhooks pending"
    return done


async def retry_registrations(services: Services) -> int:
    """Register numbers whose 72-hour 133016 block has passed."""
    now = utcnow()
    async with services.database.session() as session:
        query = (
            select(PhoneNumber, WhatsAppAccount)
            .join(WhatsAppAccount, col(WhatsAppAccount.id) == col(PhoneNumber.account_id))
            .where(PhoneNumber.registration_state == RegistrationState.RATE_LIMITED.value)
            .where(col(PhoneNumber.register_retry_at) <= now, col(PhoneNumber.released_at).is_(None))
            .where(WhatsAppAccount.status == AccountStatus.ACTIVE.value)
        )
        due = list((await session.exec(query)).all())
    done = 0
    for number, account in due:
        if not await _claim_row(services, PhoneNumber, number.id, "register_retry_at",  # type: ignore[arg-type]
                                number.register_retry_at, now + timedelta(hours=1)):
            continue
        async with services.database.session() as session:
            accounts = AccountRepository(session, services.cipher)
            token, pin = accounts.business_token(account), accounts.pin(number)
        if token is None or pin is None:
            continue
        state, retry_at, error = RegistrationState.REGISTERED.value, None, None
        try:
            await services.graph.register_number(number.phone_number_id, token, pin)
        except RegistrationLimitError as exc:
            state, retry_at, error = RegistrationState.RATE_LIMITED.value, utcnow() + REGISTER_BACKOFF, str(exc)
        except GraphError as exc:
            state, error = RegistrationState.FAILED.value, str(exc)
        async with services.database.session() as session:
            accounts = AccountRepository(session, services.cipher)
            live = await accounts.number_by_phone_number_id(number.phone_number_id)
            if live is None or live.id != number.id:
                continue  # another workspace took the number over meanwhile
            live.registration_state, live.register_retry_at, live.registration_error = state, retry_at, error
            await accounts.save_number(live)
            await session.commit()
        done += state == RegistrationState.REGISTERED.value
        await services.notifier.refresh_home(await _team_of(services, account))
    return done


async def _team_of(services: Services, account: WhatsAppAccount) -> str:
    from storage.models import Tenant

    async with services.database.session() as session:
        tenant = await session.get(Tenant, account.tenant_id)
    assert tenant is not None
    return tenant.slack_team_id


async def purge_connect_links(services: Services) -> int:
    async with services.database.session() as session:
        purged = await ConnectStateRepository(session).purge_expired(utcnow() - timedelta(days=7))
        await session.commit()
    return purged


async def purge_oauth_states(services: Services) -> int:
    """Delete Slack OAuth states past their ten minutes: every GET /slack/install stores one."""
    async with services.database.session() as session:
        purged = await OAuthStateRepository(session).purge_expired(utcnow())
        await session.commit()
    return purged


async def purge_rate_limit_windows(services: Services) -> int:
    """Delete rate-limit windows that no limit reads any more."""
    async with services.database.session() as session:
        purged = await RateLimitRepository(session).purge_before(utcnow() - RATE_LIMIT_RETENTION)
        await session.commit()
    return purged


async def close_expired_windows(services: Services, now=None) -> int:  # type: ignore[no-untyped-def]
    """Thread parents that still say "open until …" after the 24 hours passed are re-rendered as closed. The
    outbox's dedupe key makes this safe to run on every instance at once."""
    from bot.slack_writes import ParentRefresh, write_args
    from storage.messaging_models import Conversation
    from storage.repositories.outbox import OutboxRepository

    now = now or utcnow()
    queued = 0
    async with services.database.session() as session:
        query = (select(Conversation, PhoneNumber, Tenant)
                 .join(PhoneNumber, col(PhoneNumber.id) == col(Conversation.phone_number_row_id))
                 .join(WhatsAppAccount, col(WhatsAppAccount.id) == col(PhoneNumber.account_id))
                 .join(Tenant, col(Tenant.id) == col(WhatsAppAccount.tenant_id))
                 .where(col(Conversation.thread_ts).is_not(None), col(Conversation.window_shown_until).is_not(None),
                        col(Conversation.window_shown_until) <= now).limit(500))
        outbox = OutboxRepository(session)
        for conversation, _number, tenant in (await session.exec(query)).all():  # type: ignore[call-overload]
            added = await outbox.add(
                dedupe_key=f"window-closed:{conversation.id}:{conversation.window_shown_until.isoformat()}",
                team_id=tenant.slack_team_id, lane=f"conv:{conversation.id}", kind=ParentRefresh.kind,
                args=write_args(ParentRefresh()), conversation_id=conversation.id)
            queued += added is not None
        await session.commit()
    return queued


async def purge_old_webhooks(services: Services) -> int:
    """Processed webhooks and finished Slack writes are kept 30 days (the inspector, investigations); Meta's
    own retries stop after 7. Parked (dead or unparseable) ones stay until an operator looks."""
    from sqlalchemy import delete

    from storage.messaging_models import InboxState, OutboxState, SlackOutboxItem, WebhookInbox

    before = utcnow() - WEBHOOK_RETENTION
    async with services.database.session() as session:
        inbox = await session.exec(delete(WebhookInbox).where(  # type: ignore[call-overload]
            col(WebhookInbox.state) == InboxState.DONE.value, col(WebhookInbox.processed_at) < before))
        outbox = await session.exec(delete(SlackOutboxItem).where(  # type: ignore[call-overload]
            col(SlackOutboxItem.state) == OutboxState.DONE.value, col(SlackOutboxItem.done_at) < before))
        await session.commit()
    return int(inbox.rowcount or 0) + int(outbox.rowcount or 0)


def build_scheduler(services: Services) -> AsyncIOScheduler:
    """The jobs one `waslack serve` process runs on its event loop."""
    scheduler = AsyncIOScheduler(timezone="UTC")
    defaults = {"max_instances": 1, "coalesce": True, "misfire_grace_time": 60}
    scheduler.add_job(retry_subscriptions, "interval", minutes=1, args=[services], id="retry_subscriptions",
                      **defaults)
    scheduler.add_job(retry_registrations, "interval", minutes=10, args=[services], id="retry_registrations",
                      **defaults)
    scheduler.add_job(purge_connect_links, "interval", hours=6, args=[services], id="purge_connect_links",
                      **defaults)
    scheduler.add_job(purge_oauth_states, "interval", minutes=10, args=[services], id="purge_oauth_states",
                      **defaults)
    scheduler.add_job(purge_rate_limit_windows, "interval", minutes=10, args=[services],
                      id="purge_rate_limit_windows", **defaults)
    scheduler.add_job(close_expired_windows, "interval", minutes=1, args=[services], id="close_expired_windows",
                      **defaults)
    # each account is read every few hours (relay/templates/sync.py SYNC_INTERVAL); the tick is short so a
    # resync a webhook asks for (components changed) happens within minutes
    scheduler.add_job(sync_due_accounts, "interval", minutes=5, args=[services], id="sync_templates", **defaults)
    scheduler.add_job(purge_old_webhooks, "interval", hours=6, args=[services], id="purge_old_webhooks",
                      **defaults)
    return scheduler
