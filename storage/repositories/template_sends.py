"""/template sends: batches recorded once per idempotency key, recipients leased by the template send worker
(conditional UPDATE leases, plus SKIP LOCKED on PostgreSQL), and the moves of a recipient's state."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, insert, or_, select, update
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import utcnow
from storage.repositories.idempotent import insert_once
from storage.template_send_models import (
    OPEN_RECIPIENT_STATES,
    BatchState,
    RecipientState,
    TemplateSendBatch,
    TemplateSendRecipient,
)

Recipients = TemplateSendRecipient


class TemplateSendRepository:
    def __init__(self, session: AsyncSession):
        self.session = session

    async def add_batch(self, values: dict[str, Any]) -> int | None:
        """Record a batch; None when its idempotency key was recorded before (nothing is added)."""
        now = utcnow()
        values = {"state": BatchState.SENDING.value, "created_at": now, **values}
        return await insert_once(self.session, TemplateSendBatch, values, ["idempotency_key"])

    async def batch_by_key(self, idempotency_key: str) -> TemplateSendBatch | None:
        query = select(TemplateSendBatch).where(col(TemplateSendBatch.idempotency_key) == idempotency_key)
        return (await self.session.execute(query)).scalars().first()

    async def batch(self, batch_id: int) -> TemplateSendBatch | None:
        return await self.session.get(TemplateSendBatch, batch_id)

    async def add_recipients(self, rows: list[dict[str, Any]]) -> None:
        """The batch's recipients in one executemany (the caller made their keys unique)."""
        if rows:
            now = utcnow()
            defaults = {"attempts": 0, "next_attempt_at": now, "created_at": now, "conversation_id": None,
                        "wa_id": None, "components": None, "preview_text": None, "error_code": None, "error": None,
                        "done_at": None}
            await self.session.execute(insert(TemplateSendRecipient.__table__),  # type: ignore[attr-defined]
                                       [{**defaults, **row} for row in rows])

    async def get(self, recipient_id: int) -> TemplateSendRecipient | None:
        return await self.session.get(TemplateSendRecipient, recipient_id)

    async def load(self, recipient_ids: set[int]) -> None:
        """Read these rows into the session in one query, so ``get`` finds each without one of its own."""
        if recipient_ids:
            (await self.session.execute(select(TemplateSendRecipient).where(
                col(TemplateSendRecipient.id).in_(sorted(recipient_ids))))).all()

    async def recipients(self, batch_id: int) -> list[TemplateSendRecipient]:
        query = select(Recipients).where(col(Recipients.batch_id) == batch_id).order_by(col(Recipients.id))
        return list((await self.session.execute(query)).scalars().all())

    async def claim_due(self, limit: int, lease: timedelta, *, sending_until: datetime,
                        now: datetime | None = None) -> tuple[list[TemplateSendRecipient], set[int]]:
        """Lease up to ``limit`` due recipients, oldest first, and the ids among them whose wait for a status ran
        out (to be reported, never re-sent). Pending ones are leased as ``sending``: from here on their outcome
        counts as unknown until Meta answers or a status names them, so a crash before the answer is reported at
        ``sending_until``, never sent again."""
        now = now or utcnow()
        due = and_(col(Recipients.state).in_(OPEN_RECIPIENT_STATES), col(Recipients.next_attempt_at) <= now,
                   or_(col(Recipients.locked_until).is_(None), col(Recipients.locked_until) <= now))
        query = select(Recipients.id, Recipients.state).where(due).order_by(col(Recipients.id)).limit(limit)
        if self.session.bind.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        found = (await self.session.execute(query)).all()
        pending = [int(i) for i, state in found if state == RecipientState.PENDING.value]
        expired = [int(i) for i, state in found if state == RecipientState.SENDING.value]
        won: list[int] = []
        if pending:  # the conditional UPDATE decides: a row another worker leased meanwhile is not ours
            won += (await self.session.execute(
                update(Recipients).where(col(Recipients.id).in_(pending), due,
                                         col(Recipients.state) == RecipientState.PENDING.value)
                .values(locked_until=now + lease, state=RecipientState.SENDING.value, next_attempt_at=sending_until)
                .returning(col(Recipients.id)))).scalars().all()
        stale: set[int] = set()
        if expired:
            stale = set((await self.session.execute(
                update(Recipients).where(col(Recipients.id).in_(expired), due,
                                         col(Recipients.state) == RecipientState.SENDING.value)
                .values(locked_until=now + lease).returning(col(Recipients.id)))).scalars().all())
        ids = [*won, *stale]
        if not ids:
            return [], set()
        query = select(Recipients).where(col(Recipients.id).in_(ids)).order_by(col(Recipients.id))
        return list((await self.session.execute(query)).scalars().all()), stale

    async def sent(self, recipient_id: int, *, wamid: str, conversation_id: int, wa_id: str | None) -> bool:
        """Meta accepted the send (its answer, or a status naming the row); True when this call recorded it."""
        moved = await self.session.execute(update(Recipients).where(
            col(Recipients.id) == recipient_id, col(Recipients.state).in_(OPEN_RECIPIENT_STATES),
        ).values(state=RecipientState.SENT.value, wamid=wamid, conversation_id=conversation_id, wa_id=wa_id,
                 locked_until=None, error=None, done_at=utcnow()))
        return bool(moved.rowcount)

    async def retry(self, recipient_id: int, *, at: datetime, error: str, count_attempt: bool = True) -> None:
        """Not sent (Meta answered with a refusal worth retrying, or the turn was not yet): again at ``at``."""
        values: dict[str, Any] = {"next_attempt_at": at, "locked_until": None, "error": error[:2000],
                                  "state": RecipientState.PENDING.value}
        if count_attempt:
            values["attempts"] = col(Recipients.attempts) + 1
        await self.session.execute(update(Recipients).where(
            col(Recipients.id) == recipient_id, col(Recipients.state).in_(OPEN_RECIPIENT_STATES)).values(**values))

    async def outcome_unknown(self, recipient_id: int, error: str) -> None:
        """The send got no answer: the row stays ``sending`` (until its wait runs out) for a status to name it."""
        await self.session.execute(update(Recipients).where(col(Recipients.id) == recipient_id).values(
            locked_until=None, error=error[:2000]))

    async def fail(self, recipient_id: int, state: RecipientState, *, error: str, error_code: int | None = None,
                   only_open: bool = True) -> bool:
        """Close the row as failed (or failed_unknown); True when this call closed it."""
        where = [col(Recipients.id) == recipient_id]
        if only_open:
            where.append(col(Recipients.state).in_(OPEN_RECIPIENT_STATES))
        done = await self.session.execute(update(Recipients).where(*where).values(
            state=state.value, error=error[:2000], error_code=error_code, locked_until=None, done_at=utcnow()))
        return bool(done.rowcount)

    async def release(self, recipient_id: int) -> None:
        await self.session.execute(update(Recipients).where(col(Recipients.id) == recipient_id).values(
            locked_until=None))

    async def reported(self, recipient_id: int, status: str, *, error_code: int | None = None,
                       error: str | None = None) -> None:
        """A status webhook for a sent row: its delivery, and a failure that turns it into failed."""
        values: dict[str, Any] = {"delivery": status}
        if status == "failed":
            values.update(state=RecipientState.FAILED.value, error_code=error_code, error=(error or "")[:2000])
        await self.session.execute(update(Recipients).where(
            col(Recipients.id) == recipient_id,
            col(Recipients.state).in_((RecipientState.SENT.value, *OPEN_RECIPIENT_STATES)),
        ).values(**values))

    async def open_batches(self, limit: int = 50) -> list[TemplateSendBatch]:
        query = (select(TemplateSendBatch).where(col(TemplateSendBatch.state) == BatchState.SENDING.value)
                 .order_by(col(TemplateSendBatch.id)).limit(limit))
        return list((await self.session.execute(query)).scalars().all())

    async def unsettled(self, batch_id: int, *, quiet_since: datetime) -> int:
        """Recipients whose outcome is still to come: open ones, and sent ones with no status yet (a failed
        status may follow an accepted send) unless they were sent before ``quiet_since``."""
        query = select(func.count()).select_from(Recipients).where(
            col(Recipients.batch_id) == batch_id,
            or_(col(Recipients.state).in_(OPEN_RECIPIENT_STATES),
                and_(col(Recipients.state) == RecipientState.SENT.value, col(Recipients.delivery).is_(None),
                     col(Recipients.done_at) > quiet_since)))
        return int((await self.session.execute(query)).scalar_one())

    async def summarise(self, batch_id: int) -> bool:
        """Close the batch (once); True when this call closed it, so its summary is queued once."""
        done = await self.session.execute(update(TemplateSendBatch).where(
            col(TemplateSendBatch.id) == batch_id, col(TemplateSendBatch.state) == BatchState.SENDING.value,
        ).values(state=BatchState.SUMMARISED.value, done_at=utcnow()))
        return bool(done.rowcount)
