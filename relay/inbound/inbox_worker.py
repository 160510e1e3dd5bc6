"""The inbox worker of every `waslack serve` process: it leases stored webhooks (also those stored before a
crash), oldest first, and turns them into rows and outbox items (``WebhookProcessor``), several webhooks per
transaction. A webhook that fails is retried with backoff and holds its candidates meanwhile, and a webhook
whose candidate has an older one still pending (retried, or in another worker's hands) waits behind it
(relay/inbound/holds.py), so their messages stay in order; other candidates go on."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import update
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from relay.inbound.holds import Holder, Holds, decode, encode, held_keys, keys_of
from relay.inbound.processing import ProcessOutcome, SessionCache, UnparseableBody, WebhookProcessor
from relay.inbound.workers import MAX_ATTEMPTS, WorkerLoop, backoff
from relay.inbound.write_turns import WriteTurns
from storage.database import Database
from storage.messaging_models import InboxState, WebhookInbox
from storage.models import utcnow
from storage.repositories.inbox import InboxRepository
from whatsapp.webhook_models import Change

log = logging.getLogger("waslack.inbound")

# Processing a webhook is a few inserts; a short lease lets a crashed process's webhooks be taken up soon.
# Processing is idempotent, so a lease that runs out under a slow worker costs work, never a duplicate.
INBOX_LEASE = timedelta(seconds=10)
# webhooks per inbox transaction: it holds SQLite's one write turn, so it is kept short for the acks' sake,
# shorter while acks queue for theirs (the turn's pause is shorter too: the same share, the acks wait less)
TRANSACTION_ROWS = 16
TRANSACTION_ROWS_UNDER_ACKS = 4
# the candidates of webhooks another worker holds, by inbox id (bodies never change), kept per process
KNOWN_KEYS = 10_000


class InboxWorker(WorkerLoop):
    """Processes stored webhooks, oldest first: a claimed batch in transactions of TRANSACTION_ROWS webhooks
    (short, so the acks get their turn between them); a transaction that fails is redone webhook by webhook,
    so one bad webhook costs only itself an attempt."""

    def __init__(self, database: Database, *, on_queued: Callable[[], None] | None = None, batch: int = 100,
                 turns: WriteTurns | None = None,
                 on_teams_changed: Callable[[set[str]], Awaitable[None]] | None = None):
        super().__init__("inbox-worker")
        self.database, self.on_queued, self.batch = database, on_queued, batch
        self.turns = turns or WriteTurns(database)
        self.on_teams_changed = on_teams_changed
        self._keys: dict[int, set[str]] = {}  # held_keys of older pending webhooks read from their bodies

    async def step(self) -> bool:
        async with self.turns.session() as session:
            rows = await InboxRepository(session).claim_due(self.batch, INBOX_LEASE)
            await session.commit()
        pending = [(int(row.id), row.body, row.attempts) for row in rows]  # type: ignore[arg-type]
        while pending:
            size = TRANSACTION_ROWS_UNDER_ACKS if self.turns.acks_contending() else TRANSACTION_ROWS
            chunk, pending = pending[:size], pending[size:]
            await self._process_chunk(chunk)
        return bool(rows)

    async def _process_chunk(self, rows: list[tuple[int, bytes, int]]) -> None:
        """Parse the rows; those of a candidate held by an earlier webhook that failed wait behind it; the rest
        go in one transaction, or, when it fails, one by one (a failure then holds its candidates)."""
        parsed: list[Parsed] = []
        unreadable: list[tuple[int, str]] = []
        for inbox_id, body, attempts in rows:
            try:
                changes = WebhookProcessor.parse(body)
            except UnparseableBody as exc:
                unreadable.append((inbox_id, str(exc)))
                continue
            parsed.append(Parsed(inbox_id, attempts, changes, held_keys(changes)))
        ready = await self._not_held(parsed, exclude={inbox_id for inbox_id, _, _ in rows})
        if not (ready or unreadable) or await self._process_together(ready, unreadable):
            return
        for inbox_id, reason in unreadable:
            await self._mark_unparseable(inbox_id, reason)
        holds = Holds()
        for row in ready:
            blocker = holds.blocker(row.inbox_id, row.keys)
            if blocker is not None:
                await self._defer([self._wait_behind(row, blocker, holds)])
                continue
            await self._process_parsed(row, holds)

    async def _not_held(self, parsed: list[Parsed], exclude: set[int]) -> list[Parsed]:
        """The rows free to go; the others are put back, due just after the webhook they wait for: an older one
        of the same candidate that waits for a retry, or that another worker holds (relay/inbound/holds.py)."""
        if not parsed:
            return parsed
        holds = await self._older_holds(max(p.inbox_id for p in parsed), exclude)
        if not holds:
            return parsed
        ready, waiting = [], []
        for row in parsed:
            blocker = holds.blocker(row.inbox_id, row.keys)
            if blocker is None:
                ready.append(row)
            else:
                waiting.append(self._wait_behind(row, blocker, holds))
        await self._defer(waiting)
        return ready

    async def _older_holds(self, below: int, exclude: set[int]) -> Holds:
        """The candidates of the pending webhooks older than ``below`` (other than ``exclude``): from their
        holds when they wait for a retry, else from their bodies (read once per process)."""
        holds = Holds()
        async with self.database.session() as session:
            repository = InboxRepository(session)
            older = await repository.waiting_before(below, sorted(exclude))
            unknown = [inbox_id for inbox_id, held, _ in older if held is None and inbox_id not in self._keys]
            if unknown:
                if len(self._keys) + len(unknown) > KNOWN_KEYS:
                    self._keys.clear()
                self._keys.update({i: keys_of(body) for i, body in (await repository.bodies(unknown)).items()})
        now = utcnow()
        for inbox_id, held, due_at in older:
            if held is not None:
                holds.hold(decode(held), inbox_id, due_at)
            else:  # being processed elsewhere, or not claimed yet: it goes first, in a moment
                holds.hold(self._keys.get(inbox_id, set()), inbox_id, now, "which is not processed yet")
        return holds

    @staticmethod
    def _wait_behind(row: Parsed, blocker: Holder, holds: Holds) -> dict[str, object]:
        """``row`` waits behind ``blocker`` and holds its own candidates meanwhile (what comes after it waits
        too); the row ``_defer`` writes."""
        at = blocker.behind()
        holds.hold(row.keys, row.inbox_id, at)
        return {"inbox_id": row.inbox_id, "at": at, "holds": encode(row.keys),
                "reason": f"waits for webhook {blocker.inbox_id} (the same candidate), {blocker.why}, "
                          "so the candidate's messages stay in order"}

    async def _defer(self, rows: list[dict[str, object]]) -> None:
        if not rows:
            return
        async with self.turns.session() as session:
            await InboxRepository(session).defer_many(rows)
            await session.commit()

    async def _process_together(self, rows: list[Parsed], unreadable: list[tuple[int, str]]) -> bool:
        """All ``rows`` in one transaction, their routes and conversations read in two queries and their
        conversation updates flushed at the commit; False (nothing kept) when one of them failed."""
        queued, changed_teams = 0, set()
        try:
            async with self.turns.session() as session:
                for inbox_id, reason in unreadable:
                    await _mark(session, inbox_id, InboxState.UNPARSEABLE, reason)
                cache = SessionCache()
                outcomes = []
                with session.no_autoflush:
                    await cache.prefetch(session, [row.changes for row in rows])
                    for row in rows:
                        outcomes.append((row.inbox_id, await WebhookProcessor(session, row.inbox_id, cache).handle(
                            row.changes)))
                    await cache.flush_writes(session)  # every Slack write of the batch in one executemany
                for _, outcome in outcomes:
                    queued += outcome.queued
                    changed_teams |= outcome.changed_teams
                await InboxRepository(session).finish_many([_finished_row(i, o) for i, o in outcomes])
                await session.commit()
        except Exception as exc:
            if len(rows) > 1:
                log.info("%d webhooks failed together (%s); processing them one by one", len(rows),
                         type(exc).__name__)
            return False
        if queued and self.on_queued is not None:
            self.on_queued()
        await self._refresh_homes(changed_teams)
        return True

    async def _refresh_homes(self, team_ids: set[str]) -> None:
        if team_ids and self.on_teams_changed is not None:
            try:
                await self.on_teams_changed(team_ids)
            except Exception as exc:  # the Home tab catches up on its next open; the webhooks are done
                log.warning("home tab refresh after webhooks failed: %s", exc)

    async def process_one(self, inbox_id: int, body: bytes, attempts: int) -> None:
        """One stored webhook on its own (its own transaction)."""
        try:
            changes = WebhookProcessor.parse(body)
        except UnparseableBody as exc:
            await self._mark_unparseable(inbox_id, str(exc))
            return
        await self._process_parsed(Parsed(inbox_id, attempts, changes, held_keys(changes)), Holds())

    async def _mark_unparseable(self, inbox_id: int, reason: str) -> None:
        async with self.turns.session() as session:
            await _mark(session, inbox_id, InboxState.UNPARSEABLE, reason)
            await session.commit()

    async def _process_parsed(self, row: Parsed, holds: Holds) -> None:
        """Process one parsed webhook in its own transaction; when it fails, it is retried with backoff (or
        parked as dead) and holds its candidates in ``holds`` and in the database until then."""
        try:
            async with self.turns.session() as session:
                outcome = await WebhookProcessor(session, row.inbox_id).handle(row.changes)
                await InboxRepository(session).finish_many([_finished_row(row.inbox_id, outcome)])
                await session.commit()
        except Exception as exc:
            reason = f"{type(exc).__name__}: {str(exc)[:500]}"
            dead = row.attempts + 1 >= MAX_ATTEMPTS
            log.warning("webhook %s failed (attempt %d%s): %s", row.inbox_id, row.attempts + 1,
                        ", parked" if dead else "", reason)
            retry_at = None if dead else utcnow() + timedelta(seconds=backoff(row.attempts))
            async with self.turns.session() as session:
                await InboxRepository(session).fail(row.inbox_id, reason, retry_at=retry_at, holds=encode(row.keys))
                await session.commit()
            if retry_at is not None:
                holds.hold(row.keys, row.inbox_id, retry_at)
            return
        if outcome.queued and self.on_queued is not None:
            self.on_queued()
        await self._refresh_homes(outcome.changed_teams)


@dataclass(frozen=True)
class Parsed:
    """A claimed webhook, parsed: its changes and the candidates (``held_keys``) its messages are from."""

    inbox_id: int
    attempts: int
    changes: list[Change]
    keys: set[str]


def _finished_row(inbox_id: int, outcome: ProcessOutcome) -> dict[str, str | int]:
    return {"inbox_id": inbox_id, "fields": ",".join(outcome.fields), "outcome": outcome.summary(),
            "phone_number_ids": ",".join(outcome.phone_number_ids), "waba_ids": ",".join(outcome.waba_ids)}


async def _mark(session: AsyncSession, inbox_id: int, state: InboxState, reason: str) -> None:
    await session.execute(update(WebhookInbox).where(col(WebhookInbox.id) == inbox_id).values(
        state=state.value, error=reason, processed_at=utcnow(), locked_until=None))
