"""The webhook inbox: Meta's raw POSTs, stored before they are acknowledged and claimed by workers afterwards."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import and_, bindparam, func, insert, or_, select, update
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.messaging_models import InboxState, WebhookInbox
from storage.models import utcnow


class InboxRepository:
    def __init__(self, session: AsyncSession):
        self.session = session

    async def add_many(self, bodies: Sequence[bytes], *, unparseable: Sequence[str | None] = ()) -> None:
        """Insert raw bodies in one executemany; ``unparseable[i]`` (a reason) marks a body no worker can read.

        No RETURNING: with it, SQLAlchemy sends one INSERT per row on SQLite (whose RETURNING order is not
        promised), and a group commit of 64 acks cost 64 statements; without it, one executemany."""
        now = utcnow()
        reasons = list(unparseable) or [None] * len(bodies)
        rows = [
            {"received_at": now, "body": body, "attempts": 0, "next_attempt_at": now,
             "state": InboxState.UNPARSEABLE.value if reason else InboxState.PENDING.value,
             "error": reason, "processed_at": now if reason else None}
            for body, reason in zip(bodies, reasons, strict=True)
        ]
        if rows:
            await self.session.execute(insert(WebhookInbox.__table__), rows)  # type: ignore[attr-defined]

    async def claim_due(self, limit: int, lease: timedelta, now: datetime | None = None) -> list[WebhookInbox]:
        """Lease up to ``limit`` due rows, oldest first; each is leased by one worker of one process at a time."""
        now = now or utcnow()
        due = and_(col(WebhookInbox.state) == InboxState.PENDING.value, col(WebhookInbox.next_attempt_at) <= now,
                   or_(col(WebhookInbox.locked_until).is_(None), col(WebhookInbox.locked_until) <= now))
        query = select(WebhookInbox.id).where(due).order_by(col(WebhookInbox.id)).limit(limit)
        if self.session.bind.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        ids = [int(i) for i in (await self.session.execute(query)).scalars().all()]
        if not ids:
            return []
        # the conditional UPDATE decides: a row another worker leased meanwhile is not returned here
        won = (await self.session.execute(
            update(WebhookInbox).where(col(WebhookInbox.id).in_(ids), due).values(locked_until=now + lease)
            .returning(col(WebhookInbox.id))
        )).scalars().all()
        if not won:
            return []
        rows = (await self.session.execute(select(WebhookInbox).where(col(WebhookInbox.id).in_(list(won)))
                                           .order_by(col(WebhookInbox.id)))).scalars().all()
        return list(rows)

    async def finish_many(self, finished: list[dict[str, str | int]]) -> None:
        """Mark rows processed, in one executemany: dicts of inbox_id, fields, phone_number_ids, waba_ids and
        outcome (what the inspector shows)."""
        if not finished:
            return
        table = WebhookInbox.__table__  # type: ignore[attr-defined]
        statement = update(table).where(table.c.id == bindparam("inbox_id")).values(
            state=InboxState.DONE.value, processed_at=utcnow(), locked_until=None, error=None,
            fields=bindparam("fields"), phone_number_ids=bindparam("phone_number_ids"), waba_ids=bindparam("waba_ids"),
            outcome=bindparam("outcome"))
        await self.session.execute(statement, [{**row, "fields": str(row["fields"])[:255],
                                                "phone_number_ids": str(row["phone_number_ids"])[:255],
                                                "waba_ids": str(row["waba_ids"])[:255]} for row in finished])

    async def fail(self, inbox_id: int, error: str, *, retry_at: datetime | None) -> None:
        """Count a failed attempt: retry at ``retry_at``, or park the row as dead when it is None."""
        values: dict = {"attempts": col(WebhookInbox.attempts) + 1, "locked_until": None, "error": error[:2000]}
        if retry_at is None:
            values.update(state=InboxState.DEAD.value, processed_at=utcnow())
        else:
            values["next_attempt_at"] = retry_at
        await self.session.execute(update(WebhookInbox).where(col(WebhookInbox.id) == inbox_id).values(**values))

    async def latest_lease(self) -> datetime | None:
        """When the last lease on a pending webhook runs out (None when none is leased)."""
        query = select(func.max(WebhookInbox.locked_until)).where(
            col(WebhookInbox.state) == InboxState.PENDING.value, col(WebhookInbox.locked_until).is_not(None))
        return (await self.session.execute(query)).scalar_one_or_none()

    async def recent(self, limit: int = 50) -> list[WebhookInbox]:
        query = select(WebhookInbox).order_by(col(WebhookInbox.id).desc()).limit(limit)
        return list((await self.session.execute(query)).scalars().all())

    async def counts(self) -> dict[str, int]:
        query = select(WebhookInbox.state, func.count()).group_by(col(WebhookInbox.state))
        return {str(state): int(n) for state, n in (await self.session.execute(query)).all()}
