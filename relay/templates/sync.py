"""Reading an account's message templates from Meta and replacing the cached set, with the lease that lets
one instance at a time do it. Triggers (connect, the job, webhooks, the Refresh button) all come here.

A failed read never touches the cache: the Home tab keeps showing the last list and says why it is old.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlmodel import col

from relay.onboarding.claim_types import support_detail
from relay.services import Services
from storage.models import AccountStatus, Tenant, WhatsAppAccount, utcnow
from storage.repositories import AccountRepository
from storage.repositories.templates import TemplateFacts, TemplateRepository
from storage.template_models import TemplateSync
from whatsapp.errors import GraphError, NetworkError, PermissionDeniedError, ThrottledError, TokenInvalidError
from whatsapp.graph_types import Template

log = logging.getLogger("waslack.templates")

SYNC_INTERVAL = timedelta(hours=6)  # every account's templates are read again this often
RETRY_AFTER = timedelta(minutes=30)  # after a failed read
LEASE = timedelta(minutes=5)  # a sync that crashed frees its account after this long
PAGE_SIZE = 100  # templates per Graph page: fewer calls against the WABA's 200 per hour


@dataclass(frozen=True)
class SyncOutcome:
    """What one sync did. ``skipped``: another instance (or an earlier press) holds the account's lease."""

    account_id: int
    ok: bool
    count: int = 0
    approved: int = 0
    changed: bool = False  # templates added, removed or altered
    problem: str | None = None  # a SYNC_PROBLEMS key when not ok
    skipped: bool = False


def problem_of(error: GraphError) -> str:
    """Why Meta did not hand over the templates, as a key bot.wording explains."""
    if isinstance(error, TokenInvalidError):
        return "token_invalid"
    if isinstance(error, PermissionDeniedError):
        return "permission_denied"
    if isinstance(error, ThrottledError):
        return "throttled"
    if isinstance(error, NetworkError):
        return "unreachable"
    return "meta_error"


def template_facts(template: Template) -> TemplateFacts:
    """A Graph template in the cache's terms."""
    return TemplateFacts(
        template_id=template.id, name=template.name[:512], language=(template.language or "")[:16],
        status=(template.status or "UNKNOWN").upper()[:32], category=(template.category or None),
        parameter_format=template.parameter_format, components=template.components,
        quality_score=template.quality_score, rejected_reason=template.rejected_reason,
    )


async def sync_templates(services: Services, account: WhatsAppAccount) -> SyncOutcome:
    """Read every page of ``GET /{waba}/message_templates`` with the account's business token and make the
    cache exactly that; on failure keep the cache and record why. Callers hold the lease (``refresh``)."""
    assert account.id is not None
    async with services.database.session() as session:
        token = AccountRepository(session, services.cipher).business_token(account)
    try:
        if token is None:
            raise _NoToken()
        listed = await services.graph.list_templates(account.waba_id, token, page_size=PAGE_SIZE)
    except (GraphError, _NoToken) as exc:
        problem = problem_of(exc) if isinstance(exc, GraphError) else "no_token"
        detail = support_detail(exc) if isinstance(exc, GraphError) else "no business token"
        log.warning("template sync for WABA %s failed: %s (%s)", account.waba_id, problem, detail)
        async with services.database.session() as session:
            await TemplateRepository(session).failed(account.id, f"{problem}: {detail}",
                                                     retry_at=utcnow() + RETRY_AFTER)
            await session.commit()
        return SyncOutcome(account.id, ok=False, problem=problem)
    facts = [template_facts(t) for t in listed if t.id and t.name]
    async with services.database.session() as session:
        templates = TemplateRepository(session)
        counts = await templates.replace_all(account.id, facts)
        await templates.succeeded(account.id, len(facts), next_due=utcnow() + SYNC_INTERVAL)
        await session.commit()
    log.info("template sync for WABA %s: %d templates (%d new, %d changed, %d gone)", account.waba_id,
             len(facts), counts.added, counts.updated, counts.removed)
    return SyncOutcome(account.id, ok=True, count=len(facts), approved=sum(f.status == "APPROVED" for f in facts),
                       changed=bool(counts.added or counts.updated or counts.removed))


class _NoToken(Exception):
    """The account holds no business token (disconnected): nothing can be read."""


async def refresh(services: Services, account_id: int, *, force: bool) -> SyncOutcome:
    """Take the account's lease and sync it. ``force`` (a person asked, or it was just connected) syncs even
    if it is not due; without it, only a due account is synced. Of instances racing, one syncs."""
    now = utcnow()
    async with services.database.session() as session:
        account = await AccountRepository(session, services.cipher).get(account_id)
        if account is None:
            return SyncOutcome(account_id, ok=False, problem="no_token", skipped=True)
        claimed = await TemplateRepository(session).claim(
            account_id, lease_until=now + LEASE, next_due=now + SYNC_INTERVAL, force=force, now=now)
        await session.commit()
    if not claimed:
        return SyncOutcome(account_id, ok=False, skipped=True)
    return await sync_templates(services, account)


async def sync_due_accounts(services: Services) -> int:
    """The scheduled job: sync every active account whose templates are due (never synced, interval passed,
    or a webhook asked). Safe on several instances at once: each account is claimed by one. Returns how
    many accounts this instance synced."""
    now = utcnow()
    async with services.database.session() as session:
        query = (select(col(WhatsAppAccount.id), col(Tenant.slack_team_id))
                 .join(Tenant, col(Tenant.id) == col(WhatsAppAccount.tenant_id))
                 .outerjoin(TemplateSync, col(TemplateSync.account_id) == col(WhatsAppAccount.id))
                 .where(col(WhatsAppAccount.status) == AccountStatus.ACTIVE.value,
                        col(WhatsAppAccount.business_token_encrypted).is_not(None))
                 .where(col(TemplateSync.account_id).is_(None) | (col(TemplateSync.due_at) <= now))
                 .order_by(col(WhatsAppAccount.id)))
        due = list((await session.execute(query)).all())
    synced = 0
    for account_id, team_id in due:
        outcome = await refresh(services, account_id, force=False)
        if outcome.skipped:
            continue
        synced += 1
        if outcome.changed or not outcome.ok:
            await _refresh_home(services, team_id)
    return synced


async def _refresh_home(services: Services, team_id: str) -> None:
    try:
        await services.notifier.refresh_home(team_id)
    except Exception:
        log.exception("refreshing the Home tab of %s after a template sync failed", team_id)


CONNECT_WAIT_SECONDS = 3.0  # how long a claim waits for the first read before answering the browser
_background: set[asyncio.Task] = set()


async def sync_after_connect(services: Services, account_id: int, team_id: str, *,
                             wait: float = CONNECT_WAIT_SECONDS) -> SyncOutcome | None:
    """Read a just-connected account's templates. The claim waits ``wait`` seconds at most, so the Home tab
    it publishes next usually lists them; a slower read finishes in the background and refreshes the Home
    tab itself (None is returned then). If the process dies first, the job finds the account due."""
    gave_up = asyncio.Event()

    async def run() -> SyncOutcome | None:
        try:
            outcome = await refresh(services, account_id, force=True)
        except Exception:
            log.exception("template sync after connecting account %s failed", account_id)
            return None
        if gave_up.is_set() and not outcome.skipped:
            await _refresh_home(services, team_id)
        return outcome

    task = asyncio.get_running_loop().create_task(run(), name=f"template-sync-{account_id}")
    _background.add(task)
    task.add_done_callback(_background.discard)
    done, _ = await asyncio.wait({task}, timeout=wait)
    if task in done:
        return task.result()
    gave_up.set()  # no await since the wait ended: the task cannot have finished unnoticed
    return None
