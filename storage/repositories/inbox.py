"""The webhook inbox: Meta's raw POSTs, stored before they are acknowledged and claimed by workers afterwards."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import and_, bindparam, func, literal_column, or_, select, update
from sqlalchemy.sql import Select, Update
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.messaging_models import InboxState, WebhookInbox
from storage.models import utcnow

# how SQLAlchemy's SQLite DATETIME stores a (naive UTC) value, which UTCDateTime reads back
SQLITE_STAMP = "%Y-%m-%d %H:%M:%S.%f"
_ADD = ("INSERT INTO webhook_inbox (received_at, body, state, attempts, next_attempt_at, error, processed_at) "
        "VALUES (?, ?, ?, 0, ?, ?, ?)")


class InboxRepository:
    def __init__(self, session: AsyncSession):
        self.session = session

    async def add_many(self, bodies: Sequence[bytes], *, unparseable: Sequence[str | None] = ()) -> None:
        """Insert raw bodies in one executemany; ``unparseable[i]`` (a reason) marks a body no worker can read.

        This is the webhook acks' hot path, so it goes to the driver as prepared rows: SQLAlchemy's insert()
        processed every bound value of every row and cost twice the CPU per acknowledged webhook. The values
        are the ones the ORM would bind: UTC timestamps (on SQLite in UTCDateTime's text form). No RETURNING:
        with it, SQLAlchemy sends one INSERT per row on SQLite, without it, one executemany."""
        if not bodies:
            return
        connection = await self.session.connection()
        now = utcnow()
        stamp: datetime | str = now.replace(tzinfo=None).strftime(SQLITE_STAMP) if connection.dialect.name == "sqlite" \
            else now
        reasons = list(unparseable) or [None] * len(bodies)
        rows = [(stamp, body, InboxState.PENDING.value, stamp, None, None) if reason is None
                else (stamp, body, InboxState.UNPARSEABLE.value, stamp, reason, stamp)
                for body, reason in zip(bodies, reasons, strict=True)]
        mark = "?" if connection.dialect.paramstyle == "qmark" else "%s"
        await connection.exec_driver_sql(_ADD.replace("?", mark), rows)

    async def claim_due(self, limit: int, lease: timedelta, now: datetime | None = None) -> list[WebhookInbox]:
        """Lease up to ``limit`` due rows, oldest first; each is leased by one worker of one process at a time."""
        now = now or utcnow()
        find, lease_them, load = _claim_statements(self.session.bind.dialect.name, limit)
        ids = [int(i) for i in (await self.session.execute(find, {"now": now})).scalars().all()]
        if not ids:
            return []
        # the conditional UPDATE decides: a row another worker leased meanwhile is not returned here
        won = (await self.session.execute(lease_them, {"ids": ids, "now": now, "lease_until": now + lease})
               ).scalars().all()
        if not won:
            return []
        return list((await self.session.execute(load, {"ids": list(won)})).scalars().all())

    async def finish_many(self, finished: list[dict[str, str | int]]) -> None:
        """Mark rows processed, in one executemany: dicts of inbox_id, fields, phone_number_ids, waba_ids and
        outcome (what the inspector shows)."""
        if not finished:
            return
        table = WebhookInbox.__table__  # type: ignore[attr-defined]
        statement = update(table).where(table.c.id == bindparam("inbox_id")).values(
            state=InboxState.DONE.value, processed_at=utcnow(), locked_until=None, error=None, holds=None,
            fields=bindparam("fields"), phone_number_ids=bindparam("phone_number_ids"), waba_ids=bindparam("waba_ids"),
            outcome=bindparam("outcome"))
        await self.session.execute(statement, [{**row, "fields": str(row["fields"])[:255],
                                                "phone_number_ids": str(row["phone_number_ids"])[:255],
                                                "waba_ids": str(row["waba_ids"])[:255]} for row in finished])

    async def fail(self, inbox_id: int, error: str, *, retry_at: datetime | None, holds: str | None = None) -> None:
        """Count a failed attempt: retry at ``retry_at`` (holding the candidates in ``holds`` meanwhile), or park
        the row as dead when it is None (which releases its hold)."""
        values: dict = {"attempts": col(WebhookInbox.attempts) + 1, "locked_until": None, "error": error[:2000]}
        if retry_at is None:
            values.update(state=InboxState.DEAD.value, processed_at=utcnow(), holds=None)
        else:
            values.update(next_attempt_at=retry_at, holds=holds)
        await self.session.execute(update(WebhookInbox).where(col(WebhookInbox.id) == inbox_id).values(**values))

    async def defer_many(self, deferred: list[dict[str, object]]) -> None:
        """Put rows back without counting an attempt, in one executemany: dicts of inbox_id, at (when it is
        due again), holds (the candidates it holds meanwhile) and reason (for the inspector)."""
        if not deferred:
            return
        table = WebhookInbox.__table__  # type: ignore[attr-defined]
        statement = update(table).where(table.c.id == bindparam("inbox_id")).values(
            next_attempt_at=bindparam("at"), locked_until=None, holds=bindparam("held"), error=bindparam("reason"))
        await self.session.execute(statement, [{"inbox_id": row["inbox_id"], "at": row["at"], "held": row["holds"],
                                                "reason": row["reason"]} for row in deferred])

    async def waiting_before(self, below: int, claimed: Sequence[int]) -> list[tuple[int, str | None, datetime]]:
        """The pending webhooks older than ``below`` besides the ``claimed`` ones: (id, holds, due). Those are
        waiting for a retry (they hold candidates), leased by another worker, or stored so late that the claim
        did not see them; a claimed webhook of one of their candidates waits for them."""
        table = WebhookInbox.__table__  # type: ignore[attr-defined]
        query = select(table.c.id, table.c.holds, table.c.next_attempt_at).where(
            _PENDING, table.c.id < below, table.c.id.not_in(list(claimed)))
        return [(int(i), holds, at) for i, holds, at in (await self.session.execute(query)).all()]

    async def bodies(self, ids: Sequence[int]) -> dict[int, bytes]:
        table = WebhookInbox.__table__  # type: ignore[attr-defined]
        query = select(table.c.id, table.c.body).where(table.c.id.in_(list(ids)))
        return {int(i): bytes(body) for i, body in (await self.session.execute(query)).all()}

    async def recent(self, limit: int = 50) -> list[WebhookInbox]:
        query = select(WebhookInbox).order_by(col(WebhookInbox.id).desc()).limit(limit)
        return list((await self.session.execute(query)).scalars().all())

    async def counts(self) -> dict[str, int]:
        query = select(WebhookInbox.state, func.count()).group_by(col(WebhookInbox.state))
        return {str(state): int(n) for state, n in (await self.session.execute(query)).all()}


_CLAIMS: dict[tuple[str, int], tuple[Select, Update, Select]] = {}
# The pending webhooks are read through their partial index, in id order: they are few beside the done ones,
# which stay for the inspector. The state is a literal, so that PostgreSQL's generic plan of a prepared
# statement can use the index too (migration 0009 has why there is no other index on the state).
_PENDING = WebhookInbox.__table__.c.state == literal_column(f"'{InboxState.PENDING.value}'")  # type: ignore[attr-defined]


def _claim_statements(dialect_name: str, limit: int) -> tuple[Select, Update, Select]:
    """claim_due's three statements, built once (per dialect and limit) with their values as parameters,
    the UPDATE on the table (no ORM bulk-update bookkeeping)."""
    statements = _CLAIMS.get((dialect_name, limit))
    if statements is not None:
        return statements
    table = WebhookInbox.__table__  # type: ignore[attr-defined]
    now = bindparam("now")
    due = and_(_PENDING, table.c.next_attempt_at <= now,
               or_(table.c.locked_until.is_(None), table.c.locked_until <= now))
    find = select(table.c.id).where(due).order_by(table.c.id).limit(limit)
    if dialect_name == "postgresql":
        find = find.with_for_update(skip_locked=True)
    ids = bindparam("ids", expanding=True)
    lease_them = (update(table).where(table.c.id.in_(ids), due).values(locked_until=bindparam("lease_until"))
                  .returning(table.c.id))
    load = select(WebhookInbox).where(col(WebhookInbox.id).in_(ids)).order_by(col(WebhookInbox.id))
    statements = _CLAIMS[(dialect_name, limit)] = (find, lease_them, load)
    return statements
