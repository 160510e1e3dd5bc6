"""The Slack outbox: writes queued by the relay, taken by workers lane by lane (a lane is a conversation), in
order, each leased by one worker of one process at a time."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, func, or_, select, update
from sqlalchemy.orm import aliased
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.messaging_models import OutboxState, SlackOutboxItem
from storage.models import utcnow
from storage.repositories.idempotent import insert_once


class OutboxRepository:
    def __init__(self, session: AsyncSession):
        self.session = session

    async def add(self, *, dedupe_key: str, team_id: str, lane: str, kind: str, args: dict[str, Any],
                  conversation_id: int | None = None, message_id: int | None = None,
                  channel_id: str | None = None) -> int | None:
        """Queue a write; None when an item with this ``dedupe_key`` was queued before (nothing is added)."""
        now = utcnow()
        return await insert_once(self.session, SlackOutboxItem, {
            "dedupe_key": dedupe_key[:255], "team_id": team_id, "lane": lane, "kind": kind,
            "args": json.dumps(args, ensure_ascii=False, separators=(",", ":")), "conversation_id": conversation_id,
            "message_id": message_id, "channel_id": channel_id, "state": OutboxState.PENDING.value, "attempts": 0,
            "next_attempt_at": now, "outcome_unknown": False, "created_at": now,
        }, ["dedupe_key"])

    async def claim_heads(self, limit: int, lease: timedelta, now: datetime | None = None) -> list[SlackOutboxItem]:
        """Lease the first pending item of up to ``limit`` lanes whose head is due (oldest lanes first)."""
        now = now or utcnow()
        earlier = aliased(SlackOutboxItem)
        is_head = ~select(earlier.id).where(
            earlier.lane == SlackOutboxItem.lane, earlier.state == OutboxState.PENDING.value,
            earlier.id < SlackOutboxItem.id,
        ).exists()
        due = and_(col(SlackOutboxItem.state) == OutboxState.PENDING.value,
                   col(SlackOutboxItem.next_attempt_at) <= now,
                   or_(col(SlackOutboxItem.locked_until).is_(None), col(SlackOutboxItem.locked_until) <= now))
        ids = (await self.session.execute(
            select(SlackOutboxItem.id).where(due, is_head).order_by(col(SlackOutboxItem.id)).limit(limit)
        )).scalars().all()
        if not ids:
            return []
        # a lease that ran out without the item being finished or put back means a worker died mid-write:
        # that write may have reached Slack, so the next attempt reconciles first
        crashed = col(SlackOutboxItem.locked_until).is_not(None)
        won = (await self.session.execute(
            update(SlackOutboxItem).where(col(SlackOutboxItem.id).in_(list(ids)), due)
            .values(locked_until=now + lease, outcome_unknown=or_(col(SlackOutboxItem.outcome_unknown), crashed))
            .returning(col(SlackOutboxItem.id))
        )).scalars().all()
        if not won:
            return []
        rows = (await self.session.execute(
            select(SlackOutboxItem).where(col(SlackOutboxItem.id).in_(list(won))).order_by(col(SlackOutboxItem.id))
        )).scalars().all()
        return list(rows)

    async def done_many(self, results: list[tuple[int, str | None]]) -> None:
        """Mark items done, in one executemany: (item id, the Slack ts it produced)."""
        if not results:
            return
        table = SlackOutboxItem.__table__  # type: ignore[attr-defined]
        statement = update(table).where(table.c.id == bindparam("item_id")).values(
            state=OutboxState.DONE.value, result_ts=bindparam("ts"), done_at=utcnow(), locked_until=None, error=None)
        await self.session.execute(statement, [{"item_id": i, "ts": ts} for i, ts in results])

    async def retry(self, item_id: int, *, at: datetime, error: str, count_attempt: bool = True,
                    outcome_unknown: bool | None = None) -> None:
        """Try again at ``at``; a rate limit or a waiting channel does not count as a failed attempt."""
        values: dict[str, Any] = {"next_attempt_at": at, "locked_until": None, "error": error[:2000]}
        if count_attempt:
            values["attempts"] = col(SlackOutboxItem.attempts) + 1
        if outcome_unknown is not None:
            values["outcome_unknown"] = outcome_unknown
        await self.session.execute(update(SlackOutboxItem).where(col(SlackOutboxItem.id) == item_id).values(**values))

    async def dead(self, item_id: int, error: str) -> None:
        await self.session.execute(update(SlackOutboxItem).where(col(SlackOutboxItem.id) == item_id).values(
            state=OutboxState.DEAD.value, locked_until=None, error=error[:2000], done_at=utcnow(),
            attempts=col(SlackOutboxItem.attempts) + 1))

    async def pending_count(self) -> int:
        query = select(func.count()).select_from(SlackOutboxItem).where(
            col(SlackOutboxItem.state) == OutboxState.PENDING.value)
        return int((await self.session.execute(query)).scalar_one())

    async def next_due(self) -> datetime | None:
        query = select(func.min(SlackOutboxItem.next_attempt_at)).where(
            col(SlackOutboxItem.state) == OutboxState.PENDING.value)
        return (await self.session.execute(query)).scalar_one_or_none()
