"""The Slack outbox: writes queued by the relay, taken by workers lane by lane (a lane is a conversation), in
order, each leased by one worker of one process at a time."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, func, literal_column, or_, select, update
from sqlalchemy.sql import Select, Update
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.messaging_models import OutboxState, SlackOutboxItem
from storage.models import utcnow
from storage.repositories.idempotent import insert_many_once, insert_once


class OutboxRepository:
    def __init__(self, session: AsyncSession):
        self.session = session

    async def add(self, *, dedupe_key: str, team_id: str, lane: str, kind: str, args: dict[str, Any],
                  conversation_id: int | None = None, message_id: int | None = None,
                  channel_id: str | None = None) -> int | None:
        """Queue a write; None when an item with this ``dedupe_key`` was queued before (nothing is added)."""
        return await insert_once(self.session, SlackOutboxItem, self.row(
            dedupe_key=dedupe_key, team_id=team_id, lane=lane, kind=kind, args=args, conversation_id=conversation_id,
            message_id=message_id, channel_id=channel_id), ["dedupe_key"])

    async def add_many(self, rows: list[dict[str, Any]]) -> set[str]:
        """Queue many writes (``row(...)`` each) in one executemany, in this order; the dedupe keys of those
        that were new."""
        return await insert_many_once(self.session, SlackOutboxItem, rows, ["dedupe_key"], "dedupe_key")

    @staticmethod
    def row(*, dedupe_key: str, team_id: str, lane: str, kind: str, args: dict[str, Any],
            conversation_id: int | None = None, message_id: int | None = None,
            channel_id: str | None = None) -> dict[str, Any]:
        """The row ``add`` inserts (its dedupe key cut to the column's 255 characters)."""
        now = utcnow()
        return {
            "dedupe_key": dedupe_key[:255], "team_id": team_id, "lane": lane, "kind": kind,
            "args": json.dumps(args, ensure_ascii=False, separators=(",", ":")), "conversation_id": conversation_id,
            "message_id": message_id, "channel_id": channel_id, "state": OutboxState.PENDING.value, "attempts": 0,
            "next_attempt_at": now, "outcome_unknown": False, "created_at": now,
        }

    async def claim_heads(self, limit: int, lease: timedelta, now: datetime | None = None) -> list[SlackOutboxItem]:
        """Lease the first pending item of up to ``limit`` lanes whose head is due (oldest lanes first)."""
        now = now or utcnow()
        find, lease_them, load = _claim_statements(limit)
        ids = (await self.session.execute(find, {"now": now})).scalars().all()
        if not ids:
            return []
        # a lease that ran out without the item being finished or put back means a worker died mid-write:
        # that write may have reached Slack, so the next attempt reconciles first
        won = (await self.session.execute(lease_them, {"ids": list(ids), "now": now, "lease_until": now + lease})
               ).scalars().all()
        if not won:
            return []
        return list((await self.session.execute(load, {"ids": list(won)})).scalars().all())

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

    async def release(self, item_ids: Iterable[int], *, outcome_unknown: bool) -> None:
        """Give back leases a stopping worker holds, due at once; ``outcome_unknown`` for writes it cut off
        mid-call (the next attempt reconciles first). Items finished meanwhile stay finished."""
        ids = list(item_ids)
        if not ids:
            return
        values: dict[str, Any] = {"next_attempt_at": utcnow(), "locked_until": None}
        if outcome_unknown:
            values["outcome_unknown"] = True
        await self.session.execute(update(SlackOutboxItem).where(
            col(SlackOutboxItem.id).in_(ids), col(SlackOutboxItem.state) == OutboxState.PENDING.value).values(**values))

    async def dead(self, item_id: int, error: str) -> None:
        await self.session.execute(update(SlackOutboxItem).where(col(SlackOutboxItem.id) == item_id).values(
            state=OutboxState.DEAD.value, locked_until=None, error=error[:2000], done_at=utcnow(),
            attempts=col(SlackOutboxItem.attempts) + 1))

    async def untouched_marks(self, lanes: Iterable[str]) -> dict[int, tuple[int, dict[str, Any]]]:
        """The status marks in ``lanes`` no worker has taken up yet, by message id: (item id, args). A newer
        status of the same message is folded into such a mark instead of queueing one more Slack write."""
        wanted = sorted(set(lanes))
        if not wanted:
            return {}
        table = SlackOutboxItem.__table__  # type: ignore[attr-defined]
        query = select(table.c.id, table.c.message_id, table.c.args).where(
            table.c.lane.in_(wanted), table.c.state == OutboxState.PENDING.value, table.c.kind == "status",
            table.c.locked_until.is_(None), table.c.attempts == 0, table.c.message_id.is_not(None))
        return {int(message_id): (int(i), json.loads(args))
                for i, message_id, args in (await self.session.execute(query)).all()}

    async def fold_mark(self, item_id: int, args: dict[str, Any]) -> bool:
        """Rewrite an untouched mark's args; False when a worker took it up meanwhile (queue a new one)."""
        table = SlackOutboxItem.__table__  # type: ignore[attr-defined]
        result = await self.session.execute(update(table).where(
            table.c.id == item_id, table.c.state == OutboxState.PENDING.value, table.c.locked_until.is_(None),
            table.c.attempts == 0).values(args=json.dumps(args, ensure_ascii=False, separators=(",", ":"))))
        return bool(result.rowcount)

    async def pending_count(self) -> int:
        query = select(func.count()).select_from(SlackOutboxItem).where(_PENDING)
        return int((await self.session.execute(query)).scalar_one())

    async def next_due(self) -> datetime | None:
        query = select(func.min(SlackOutboxItem.next_attempt_at)).where(_PENDING)
        return (await self.session.execute(query)).scalar_one_or_none()


_CLAIMS: dict[int, tuple[Select, Update, Select]] = {}
# what is pending, read through its partial index (the state a literal, which PostgreSQL's generic plans need)
_PENDING = SlackOutboxItem.__table__.c.state == literal_column(f"'{OutboxState.PENDING.value}'")  # type: ignore[attr-defined]


def _claim_statements(limit: int) -> tuple[Select, Update, Select]:
    """claim_heads' three statements, built once (per limit) with their values as parameters: building them
    on every claim cost the relay more CPU than running them. Core statements on the table, so the UPDATE
    skips the ORM's bulk-update bookkeeping."""
    statements = _CLAIMS.get(limit)
    if statements is not None:
        return statements
    table = SlackOutboxItem.__table__  # type: ignore[attr-defined]
    earlier = table.alias("earlier")
    is_head = ~select(earlier.c.id).where(
        earlier.c.lane == table.c.lane, earlier.c.state == OutboxState.PENDING.value, earlier.c.id < table.c.id,
    ).exists()
    now = bindparam("now")
    # the pending items through their partial index, in id order (the done ones stay for reconciling): the state
    # a literal, so that PostgreSQL's generic plan of a prepared statement can use it too (migration 0009)
    due = and_(_PENDING, table.c.next_attempt_at <= now,
               or_(table.c.locked_until.is_(None), table.c.locked_until <= now))
    ids = bindparam("ids", expanding=True)
    find = select(table.c.id).where(due, is_head).order_by(table.c.id).limit(limit)
    lease_them = (update(table).where(table.c.id.in_(ids), due)
                  .values(locked_until=bindparam("lease_until"),
                          outcome_unknown=or_(table.c.outcome_unknown, table.c.locked_until.is_not(None)))
                  .returning(table.c.id))
    load = select(SlackOutboxItem).where(col(SlackOutboxItem.id).in_(ids)).order_by(col(SlackOutboxItem.id))
    statements = _CLAIMS[limit] = (find, lease_them, load)
    return statements
