"""The WhatsApp outbox: recruiters' replies recorded once per Slack message, leased by workers one conversation
at a time (a lane is a conversation), in order."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import aliased
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.messaging_models import Conversation
from storage.models import utcnow
from storage.outbound_models import OPEN_STATES, OutboundState, WhatsAppOutboxItem
from storage.repositories.idempotent import insert_once


class WhatsAppOutboxRepository:
    def __init__(self, session: AsyncSession):
        self.session = session

    async def conversation_for_thread(self, channel_id: str, thread_ts: str) -> Conversation | None:
        """The conversation whose Slack thread parent is ``thread_ts`` in ``channel_id``, if any."""
        query = select(Conversation).where(col(Conversation.slack_channel_id) == channel_id,
                                           col(Conversation.thread_ts) == thread_ts)
        return (await self.session.execute(query)).scalars().first()

    async def add(self, *, team_id: str, channel_id: str, ts: str, thread_ts: str, user_id: str,
                  conversation_id: int, text: str, files: list[dict[str, Any]]) -> int | None:
        """Record a reply; None when this Slack message was recorded before (a retry or a duplicate)."""
        now = utcnow()
        return await insert_once(self.session, WhatsAppOutboxItem, {
            "team_id": team_id, "slack_channel_id": channel_id, "slack_ts": ts, "thread_ts": thread_ts,
            "slack_user_id": user_id, "conversation_id": conversation_id, "text": text,
            "files": json.dumps(files, ensure_ascii=False, separators=(",", ":")), "next_part": 0,
            "state": OutboundState.PENDING.value, "attempts": 0, "next_attempt_at": now, "created_at": now,
        }, ["slack_channel_id", "slack_ts"])

    async def get(self, item_id: int) -> WhatsAppOutboxItem | None:
        return await self.session.get(WhatsAppOutboxItem, item_id)

    async def claim_heads(self, limit: int, lease: timedelta, now: datetime | None = None) -> list[WhatsAppOutboxItem]:
        """Lease the oldest open reply of up to ``limit`` conversations whose head is due."""
        now = now or utcnow()
        earlier = aliased(WhatsAppOutboxItem)
        is_head = ~select(earlier.id).where(
            earlier.conversation_id == WhatsAppOutboxItem.conversation_id, earlier.state.in_(OPEN_STATES),
            earlier.id < WhatsAppOutboxItem.id,
        ).exists()
        due = and_(col(WhatsAppOutboxItem.state).in_(OPEN_STATES), col(WhatsAppOutboxItem.next_attempt_at) <= now,
                   or_(col(WhatsAppOutboxItem.locked_until).is_(None), col(WhatsAppOutboxItem.locked_until) <= now))
        ids = (await self.session.execute(
            select(WhatsAppOutboxItem.id).where(due, is_head).order_by(col(WhatsAppOutboxItem.id)).limit(limit)
        )).scalars().all()
        if not ids:
            return []
        won = (await self.session.execute(
            update(WhatsAppOutboxItem).where(col(WhatsAppOutboxItem.id).in_(list(ids)), due)
            .values(locked_until=now + lease).returning(col(WhatsAppOutboxItem.id))
        )).scalars().all()
        if not won:
            return []
        rows = (await self.session.execute(select(WhatsAppOutboxItem).where(
            col(WhatsAppOutboxItem.id).in_(list(won))).order_by(col(WhatsAppOutboxItem.id)))).scalars().all()
        return list(rows)

    async def save_plan(self, item_id: int, plan: list[dict[str, Any]]) -> None:
        await self.session.execute(update(WhatsAppOutboxItem).where(
            col(WhatsAppOutboxItem.id) == item_id, col(WhatsAppOutboxItem.plan).is_(None)).values(
            plan=json.dumps(plan, ensure_ascii=False, separators=(",", ":"))))

    async def part_done(self, item_id: int, part: int) -> bool:
        """Move past ``part`` (once: a second report of the same part changes nothing); True when it moved.
        A row waiting to reconcile that part goes back to pending, so the parts after it follow."""
        moved = await self.session.execute(update(WhatsAppOutboxItem).where(
            col(WhatsAppOutboxItem.id) == item_id, col(WhatsAppOutboxItem.next_part) == part,
            col(WhatsAppOutboxItem.state).in_(OPEN_STATES),
        ).values(next_part=part + 1, state=OutboundState.PENDING.value, reconcile_until=None, attempts=0,
                 next_attempt_at=utcnow()))
        return bool(moved.rowcount)

    async def begin_part(self, item_id: int, part: int, *, until: datetime) -> bool:
        """Just before ``part`` is sent: from now on its outcome counts as unknown until the send answers, so a
        crash mid-send is reconciled (a status naming it, or reported at ``until``), never sent again."""
        begun = await self.session.execute(update(WhatsAppOutboxItem).where(
            col(WhatsAppOutboxItem.id) == item_id, col(WhatsAppOutboxItem.next_part) == part,
            col(WhatsAppOutboxItem.state) == OutboundState.PENDING.value,
        ).values(state=OutboundState.RECONCILING.value, reconcile_until=until, next_attempt_at=until))
        return bool(begun.rowcount)

    async def retry(self, item_id: int, *, at: datetime, error: str, count_attempt: bool = True) -> None:
        """Not sent (Meta answered with a refusal worth retrying, or we never got to send): try again at ``at``."""
        values: dict[str, Any] = {"next_attempt_at": at, "locked_until": None, "error": error[:2000],
                                  "state": OutboundState.PENDING.value, "reconcile_until": None}
        if count_attempt:
            values["attempts"] = col(WhatsAppOutboxItem.attempts) + 1
        await self.session.execute(update(WhatsAppOutboxItem).where(
            col(WhatsAppOutboxItem.id) == item_id).values(**values))

    async def outcome_unknown(self, item_id: int, error: str) -> None:
        """The send of the current part got no answer: the row keeps waiting (``begin_part``) for a status."""
        await self.session.execute(update(WhatsAppOutboxItem).where(
            col(WhatsAppOutboxItem.id) == item_id).values(locked_until=None, error=error[:2000]))

    async def finish(self, item_id: int, state: OutboundState, *, error_code: int | None = None,
                     error: str | None = None, only_if_open: bool = False) -> bool:
        """Close the row (sent, failed, window closed); True when this call closed it."""
        where = [col(WhatsAppOutboxItem.id) == item_id]
        if only_if_open:
            where.append(col(WhatsAppOutboxItem.state).in_(OPEN_STATES))
        done = await self.session.execute(update(WhatsAppOutboxItem).where(*where).values(
            state=state.value, error_code=error_code, error=error[:2000] if error else None, locked_until=None,
            reconcile_until=None, done_at=utcnow()))
        return bool(done.rowcount)

    async def release(self, item_id: int) -> None:
        """Give the lease back without a change (the row was moved on by someone else meanwhile)."""
        await self.session.execute(update(WhatsAppOutboxItem).where(
            col(WhatsAppOutboxItem.id) == item_id).values(locked_until=None))
