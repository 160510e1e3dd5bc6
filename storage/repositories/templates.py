"""The template cache and each account's template-sync lease: what the sync, the template webhooks, the Home
tab and (later) the /template modal read and write."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import utcnow
from storage.repositories.idempotent import insert_once
from storage.template_models import MessageTemplate, TemplateSync

APPROVED = "APPROVED"


@dataclass(frozen=True)
class TemplateFacts:
    """One template as Meta lists it, in our terms (the sync builds these from Graph's answer)."""

    template_id: str
    name: str
    language: str
    status: str
    category: str | None
    parameter_format: str | None
    components: tuple[dict[str, Any], ...]
    quality_score: str | None = None
    rejected_reason: str | None = None


@dataclass(frozen=True)
class ApprovedTemplate:
    """A template that may be sent: what the /template modal offers and fills in."""

    name: str
    language: str
    category: str | None
    parameter_format: str  # POSITIONAL (Meta's default) or NAMED
    components: tuple[dict[str, Any], ...]


@dataclass(frozen=True)
class ReplaceCounts:
    added: int
    updated: int
    removed: int


class TemplateRepository:
    def __init__(self, session: AsyncSession):
        self.session = session

    # ---- the cache ----------------------------------------------------------------------------------

    async def replace_all(self, account_id: int, facts: Sequence[TemplateFacts]) -> ReplaceCounts:
        """Make the account's cached templates exactly ``facts``: new ones added, known ones updated in place,
        those Meta no longer lists deleted."""
        cached = {t.template_id: t for t in await self.for_account(account_id)}
        now = utcnow()
        added = updated = 0
        wanted = {f.template_id: f for f in facts if f.template_id}
        for template_id, fact in wanted.items():
            row = cached.get(template_id)
            if row is None:
                row = MessageTemplate(account_id=account_id, template_id=template_id, name=fact.name,
                                      language=fact.language, status=fact.status)
                added += 1
            elif _facts_of(row) == fact:
                continue
            else:
                updated += 1
            row.name, row.language, row.status = fact.name, fact.language, fact.status
            row.category, row.parameter_format = fact.category, fact.parameter_format
            row.components = [dict(c) for c in fact.components]
            row.quality_score, row.rejected_reason = fact.quality_score, fact.rejected_reason
            row.updated_at = now
            self.session.add(row)
        gone = [t for t in cached if t not in wanted]
        if gone:
            await self.session.execute(delete(MessageTemplate).where(
                col(MessageTemplate.account_id) == account_id, col(MessageTemplate.template_id).in_(gone)))
        await self.session.flush()
        return ReplaceCounts(added=added, updated=updated, removed=len(gone))

    async def for_account(self, account_id: int) -> list[MessageTemplate]:
        return (await self.for_accounts([account_id]))[account_id]

    async def for_accounts(self, account_ids: Sequence[int]) -> dict[int, list[MessageTemplate]]:
        """Each account's cached templates: APPROVED first, then by name and language."""
        out: dict[int, list[MessageTemplate]] = {i: [] for i in account_ids}
        if not out:
            return out
        query = select(MessageTemplate).where(col(MessageTemplate.account_id).in_(list(out)))
        for row in (await self.session.execute(query)).scalars().all():
            out[row.account_id].append(row)
        for rows in out.values():
            rows.sort(key=lambda t: (t.status != APPROVED, t.name, t.language))
        return out

    async def find(self, account_id: int, template_id: str | None, name: str | None = None,
                   language: str | None = None) -> MessageTemplate | None:
        """The cached template by Meta's id, else by (name, language)."""
        query = select(MessageTemplate).where(col(MessageTemplate.account_id) == account_id)
        if template_id:
            found = (await self.session.execute(query.where(col(MessageTemplate.template_id) == template_id))
                     ).scalars().first()
            if found is not None:
                return found
        if name and language:
            return (await self.session.execute(query.where(col(MessageTemplate.name) == name,
                                                           col(MessageTemplate.language) == language))
                    ).scalars().first()
        return None

    async def save(self, template: MessageTemplate) -> None:
        template.updated_at = utcnow()
        self.session.add(template)
        await self.session.flush()

    # ---- the sync lease ---------------------------------------------------------------------------

    async def _ensure_sync_row(self, account_id: int, due_at: datetime) -> None:
        await insert_once(self.session, TemplateSync, {"account_id": account_id, "due_at": due_at,
                                                       "template_count": 0}, ["account_id"])

    async def sync_states(self, account_ids: Sequence[int]) -> dict[int, TemplateSync]:
        if not account_ids:
            return {}
        query = select(TemplateSync).where(col(TemplateSync.account_id).in_(list(account_ids)))
        return {s.account_id: s for s in (await self.session.execute(query)).scalars().all()}

    async def request_sync(self, account_id: int, at: datetime | None = None) -> None:
        """Make the account's templates due now (or at ``at``, if that is sooner than already planned)."""
        at = at or utcnow()
        await self._ensure_sync_row(account_id, at)
        await self.session.execute(update(TemplateSync).where(
            col(TemplateSync.account_id) == account_id, col(TemplateSync.due_at) > at).values(due_at=at))

    async def claim(self, account_id: int, *, lease_until: datetime, next_due: datetime,
                    force: bool = False, now: datetime | None = None) -> bool:
        """Take the account's sync lease: one conditional UPDATE, so of several instances racing, exactly one
        wins. Unless ``force``, only a due account is taken. The winner moves ``due_at`` to ``next_due``."""
        now = now or utcnow()
        await self._ensure_sync_row(account_id, now)
        conditions = [col(TemplateSync.account_id) == account_id,
                      or_(col(TemplateSync.leased_until).is_(None), col(TemplateSync.leased_until) < now)]
        if not force:
            conditions.append(col(TemplateSync.due_at) <= now)
        result = await self.session.execute(
            update(TemplateSync).where(*conditions).values(leased_until=lease_until, due_at=next_due))
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]

    async def succeeded(self, account_id: int, count: int, at: datetime | None = None,
                        next_due: datetime | None = None) -> None:
        """Record a good read (``next_due`` only matters for an account synced without a claim)."""
        await self._ensure_sync_row(account_id, next_due or utcnow())
        await self.session.execute(update(TemplateSync).where(col(TemplateSync.account_id) == account_id).values(
            leased_until=None, synced_at=at or utcnow(), template_count=count, failed_at=None, error=None))

    async def failed(self, account_id: int, error: str, retry_at: datetime, at: datetime | None = None) -> None:
        """Keep the cache, say why, and come back at ``retry_at`` (or sooner, if a webhook asked since)."""
        await self._ensure_sync_row(account_id, retry_at)
        await self.session.execute(update(TemplateSync).where(col(TemplateSync.account_id) == account_id).values(
            leased_until=None, failed_at=at or utcnow(), error=error[:1000]))
        await self.session.execute(update(TemplateSync).where(
            col(TemplateSync.account_id) == account_id, col(TemplateSync.due_at) > retry_at).values(due_at=retry_at))


def _facts_of(row: MessageTemplate) -> TemplateFacts:
    return TemplateFacts(
        template_id=row.template_id, name=row.name, language=row.language, status=row.status,
        category=row.category, parameter_format=row.parameter_format,
        components=tuple(row.components or ()), quality_score=row.quality_score,
        rejected_reason=row.rejected_reason)


async def approved_templates(session: AsyncSession, account_id: int) -> list[ApprovedTemplate]:
    """The account's APPROVED templates from the cache, by name and language (for the /template modal)."""
    query = (select(MessageTemplate)
             .where(col(MessageTemplate.account_id) == account_id, col(MessageTemplate.status) == APPROVED)
             .order_by(col(MessageTemplate.name), col(MessageTemplate.language)))
    return [
        ApprovedTemplate(name=t.name, language=t.language, category=t.category,
                         parameter_format=t.parameter_format or "POSITIONAL",
                         components=tuple(dict(c) for c in t.components or ()))
        for t in (await session.execute(query)).scalars().all()
    ]
