"""The loops behind the inbound relay, run in every `waslack serve` process:

- the inbox worker (here) leases stored webhooks (also those stored before a crash) and turns them into rows
  and outbox items (``WebhookProcessor``), several webhooks per transaction;
- the outbox worker (relay/inbound/outbox_worker.py) leases the head item of each conversation's lane and
  carries it out against Slack, pacing each channel.

Leases are conditional UPDATEs (plus SKIP LOCKED on PostgreSQL), so several processes share the work.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from datetime import timedelta

from sqlalchemy import update
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from relay.inbound.processing import ProcessOutcome, SessionCache, UnparseableBody, WebhookProcessor
from relay.inbound.write_turns import WriteTurns
from storage.database import Database
from storage.messaging_models import InboxState, WebhookInbox
from storage.models import utcnow
from storage.repositories.inbox import InboxRepository
from whatsapp.webhook_models import Change

log = logging.getLogger("waslack.inbound")

MAX_ATTEMPTS = 8
LEASE = timedelta(seconds=45)  # longer than any one write takes; a dead worker's items wait this long
# Processing a webhook is a few inserts; a short lease lets a crashed process's webhooks be taken up soon.
# Processing is idempotent, so a lease that runs out under a slow worker costs work, never a duplicate.
INBOX_LEASE = timedelta(seconds=10)
IDLE_POLL_SECONDS = 0.5  # how often an idle worker looks for work another process stored
# webhooks per inbox transaction: it holds SQLite's one write turn, so it is kept short for the acks' sake
TRANSACTION_ROWS = 16


def backoff(attempt: int, *, base: float = 2.0, cap: float = 900.0) -> float:
    """Seconds before attempt ``attempt + 1``: exponential with jitter, capped."""
    return min(cap, base ** min(attempt, 20)) * random.uniform(0.5, 1.0)  # noqa: S311


class WorkerLoop:
    """A worker loop: ``step`` until it finds nothing to do, then sleep until woken (``wake``) or
    ``IDLE_POLL_SECONDS`` pass."""

    def __init__(self, name: str):
        self.name = name
        self._wake = asyncio.Event()
        self._task: asyncio.Task | None = None
        self._stopping = False

    def wake(self) -> None:
        self._wake.set()

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name=self.name)

    async def stop(self) -> None:
        self._stopping = True
        self._wake.set()
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except (asyncio.CancelledError, Exception):  # noqa: S110  (stopping: errors were logged already)
                pass
            self._task = None

    async def _run(self) -> None:
        while not self._stopping:
            # cleared before the step, not after: a wake that comes while the step runs (work stored after its
            # query) is kept, and the loop goes round again at once instead of sleeping IDLE_POLL_SECONDS
            self._wake.clear()
            try:
                busy = await self.step()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("%s step failed; continuing", self.name)
                busy = False
            if not busy:
                try:
                    await asyncio.wait_for(self._wake.wait(), IDLE_POLL_SECONDS)
                except TimeoutError:
                    pass

    async def step(self) -> bool:  # pragma: no cover - overridden
        raise NotImplementedError


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
        self._settled = False

    async def _wait_out_old_leases(self) -> None:
        """At start-up, let leases taken before (by a process that may have died mid-batch) run out first, so
        its webhooks are processed in their order with the ones stored after them, not after them."""
        async with self.database.session() as session:
            until = await InboxRepository(session).latest_lease()
        if until is not None:
            wait = (until - utcnow()).total_seconds()
            if wait > 0:
                await asyncio.sleep(min(wait, INBOX_LEASE.total_seconds()))
        self._settled = True

    async def step(self) -> bool:
        if not self._settled:
            await self._wait_out_old_leases()
        async with self.turns.session() as session:
            rows = await InboxRepository(session).claim_due(self.batch, INBOX_LEASE)
            await session.commit()
        pending = [(int(row.id), row.body, row.attempts) for row in rows]  # type: ignore[arg-type]
        while pending:
            chunk, pending = pending[:TRANSACTION_ROWS], pending[TRANSACTION_ROWS:]
            if not await self._process_together(chunk):  # nothing of it was kept: each on its own
                for inbox_id, body, attempts in chunk:
                    await self.process_one(inbox_id, body, attempts)
        return bool(rows)

    async def _process_together(self, rows: list[tuple[int, bytes, int]]) -> bool:
        """All ``rows`` in one transaction, their routes and conversations read in two queries and their
        conversation updates flushed at the commit; False (nothing kept) when one of them failed."""
        queued, changed_teams = 0, set()
        try:
            async with self.turns.session() as session:
                parsed: list[tuple[int, list[Change]]] = []
                for inbox_id, body, _attempts in rows:
                    try:
                        parsed.append((inbox_id, WebhookProcessor.parse(body)))
                    except UnparseableBody as exc:
                        await _mark(session, inbox_id, InboxState.UNPARSEABLE, str(exc))
                cache = SessionCache()
                finished = []
                with session.no_autoflush:
                    await cache.prefetch(session, [changes for _, changes in parsed])
                    for inbox_id, changes in parsed:
                        outcome = await WebhookProcessor(session, inbox_id, cache).handle(changes)
                        finished.append(_finished_row(inbox_id, outcome))
                        queued += outcome.queued
                        changed_teams |= outcome.changed_teams
                await InboxRepository(session).finish_many(finished)
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
        try:
            async with self.turns.session() as session:
                outcome = await WebhookProcessor(session, inbox_id).process(body)
                await InboxRepository(session).finish_many([_finished_row(inbox_id, outcome)])
                await session.commit()
        except UnparseableBody as exc:
            async with self.turns.session() as session:
                await _mark(session, inbox_id, InboxState.UNPARSEABLE, str(exc))
                await session.commit()
            return
        except Exception as exc:
            reason = f"{type(exc).__name__}: {str(exc)[:500]}"
            dead = attempts + 1 >= MAX_ATTEMPTS
            log.warning("webhook %s failed (attempt %d%s): %s", inbox_id, attempts + 1, ", parked" if dead else "",
                        reason)
            async with self.turns.session() as session:
                retry_at = None if dead else utcnow() + timedelta(seconds=backoff(attempts))
                await InboxRepository(session).fail(inbox_id, reason, retry_at=retry_at)
                await session.commit()
            return
        if outcome.queued and self.on_queued is not None:
            self.on_queued()
        await self._refresh_homes(outcome.changed_teams)


def _finished_row(inbox_id: int, outcome: ProcessOutcome) -> dict[str, str | int]:
    return {"inbox_id": inbox_id, "fields": ",".join(outcome.fields), "outcome": outcome.summary(),
            "phone_number_ids": ",".join(outcome.phone_number_ids), "waba_ids": ",".join(outcome.waba_ids)}


async def _mark(session: AsyncSession, inbox_id: int, state: InboxState, reason: str) -> None:
    await session.execute(update(WebhookInbox).where(col(WebhookInbox.id) == inbox_id).values(
        state=state.value, error=reason, processed_at=utcnow(), locked_until=None))
