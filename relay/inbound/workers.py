"""The two loops behind the inbound relay, run in every `waslack serve` process:

- the inbox worker leases stored webhooks (also those stored before a crash) and turns each into rows and
  outbox items in one transaction (``WebhookProcessor``);
- the outbox worker leases the head item of each conversation's lane and carries it out against Slack,
  pacing each channel; a failing item is retried with backoff and parked as dead after ``MAX_ATTEMPTS``,
  without holding up other conversations.

Leases are conditional UPDATEs (plus SKIP LOCKED on PostgreSQL), so several processes share the work.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.outbox_sender import Deferred, Destination, OutboxSender, Refused, Uncertain
from relay.inbound.group_commit import GroupCommit
from relay.inbound.lookup import OutboxLookup, Target
from relay.inbound.pacing import ChannelPacer
from relay.inbound.processing import ProcessOutcome, SessionCache, UnparseableBody, WebhookProcessor
from relay.inbound.write_turns import WriteTurns
from storage.database import Database
from storage.messaging_models import InboxState, SlackOutboxItem, WebhookInbox
from storage.models import utcnow
from storage.repositories.inbox import InboxRepository
from storage.repositories.outbox import OutboxRepository
from whatsapp.webhook_models import Change

log = logging.getLogger("waslack.inbound")
activity = logging.getLogger("waslack.activity")

MAX_ATTEMPTS = 8
LEASE = timedelta(seconds=45)  # longer than any one write takes; a dead worker's items wait this long
IDLE_POLL_SECONDS = 0.5  # how often an idle worker looks for work another process stored
# webhooks per inbox transaction: it holds SQLite's one write turn, so it is kept short for the acks' sake
TRANSACTION_ROWS = 16


def backoff(attempt: int, *, base: float = 2.0, cap: float = 900.0) -> float:
    """Seconds before attempt ``attempt + 1``: exponential with jitter, capped."""
    return min(cap, base ** min(attempt, 20)) * random.uniform(0.5, 1.0)  # noqa: S311


class _Loop:
    """A worker loop that sleeps until woken (``wake``) or ``IDLE_POLL_SECONDS`` pass."""

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
            try:
                busy = await self.step()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("%s step failed; continuing", self.name)
                busy = False
            if not busy:
                self._wake.clear()
                try:
                    await asyncio.wait_for(self._wake.wait(), IDLE_POLL_SECONDS)
                except TimeoutError:
                    pass

    async def step(self) -> bool:  # pragma: no cover - overridden
        raise NotImplementedError


class InboxWorker(_Loop):
    """Processes stored webhooks, oldest first: a claimed batch in transactions of TRANSACTION_ROWS webhooks
    (short, so the acks get their turn between them); a transaction that fails is redone webhook by webhook,
    so one bad webhook costs only itself an attempt."""

    def __init__(self, database: Database, *, on_queued: Callable[[], None] | None = None, batch: int = 100,
                 turns: WriteTurns | None = None):
        super().__init__("inbox-worker")
        self.database, self.on_queued, self.batch = database, on_queued, batch
        self.turns = turns or WriteTurns(database)

    async def step(self) -> bool:
        async with self.turns.session() as session:
            rows = await InboxRepository(session).claim_due(self.batch, LEASE)
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
        queued = 0
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
                await InboxRepository(session).finish_many(finished)
                await session.commit()
        except Exception as exc:
            if len(rows) > 1:
                log.info("%d webhooks failed together (%s); processing them one by one", len(rows),
                         type(exc).__name__)
            return False
        if queued and self.on_queued is not None:
            self.on_queued()
        return True

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


def _finished_row(inbox_id: int, outcome: ProcessOutcome) -> dict[str, str | int]:
    return {"inbox_id": inbox_id, "fields": ",".join(outcome.fields), "outcome": outcome.summary(),
            "phone_number_ids": ",".join(outcome.phone_number_ids), "waba_ids": ",".join(outcome.waba_ids)}


async def _mark(session: AsyncSession, inbox_id: int, state: InboxState, reason: str) -> None:
    await session.execute(update(WebhookInbox).where(col(WebhookInbox.id) == inbox_id).values(
        state=state.value, error=reason, processed_at=utcnow(), locked_until=None))


DestinationFor = Callable[[SlackOutboxItem], Awaitable[tuple[object, Destination | None, str | None]]]


class OutboxWorker(_Loop):
    """Carries out outbox items, one per conversation at a time, many conversations at once."""

    def __init__(self, database: Database, sender: OutboxSender, lookup: OutboxLookup, *,
                 pacer: ChannelPacer | None = None, lanes: int = 64,
                 on_dead: Callable[[SlackOutboxItem, str], Awaitable[None]] | None = None,
                 turns: WriteTurns | None = None):
        super().__init__("outbox-worker")
        self.database, self.sender, self.lookup = database, sender, lookup
        self.pacer = pacer or ChannelPacer()
        self.lanes = lanes
        self.on_dead = on_dead
        self.turns = turns or WriteTurns(database)
        # finished writes share commits; an item's lane moves on only once its own is recorded
        self._completions: GroupCommit[tuple[SlackOutboxItem, str | None], None] = GroupCommit(
            "slack outbox", self.turns, self._record_done)
        self._running: set[asyncio.Task] = set()

    async def step(self) -> bool:
        """Lease heads for free worker slots and run each as its own task: a channel waiting for its rate
        limit never holds up another channel. Busy, it waits for a quarter of the slots to free up first:
        one claim for many items, not one per finished write."""
        free = self.lanes - len(self._running)
        if free <= 0 or (free < self.lanes // 4 and len(self._running) > 0):
            await asyncio.wait(self._running, timeout=IDLE_POLL_SECONDS, return_when=asyncio.FIRST_COMPLETED)
            return True
        async with self.turns.session() as session:
            items = await OutboxRepository(session).claim_heads(free, LEASE)
            await session.commit()
        targets = await self.lookup.destinations(items) if items else {}
        for item in items:
            task = asyncio.create_task(self.run_item(item, targets[item.id]))  # type: ignore[index]
            self._running.add(task)
            task.add_done_callback(self._finished)
        if not items and self._running:
            await asyncio.wait(self._running, timeout=IDLE_POLL_SECONDS, return_when=asyncio.FIRST_COMPLETED)
            return True
        return bool(items)

    def _finished(self, task: asyncio.Task) -> None:
        self._running.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("outbox task failed: %r", task.exception())
        self.wake()

    async def drain(self) -> None:
        """Wait for the writes in flight (tests, shutdown)."""
        while self._running:
            await asyncio.wait(set(self._running))

    async def stop(self) -> None:
        await super().stop()
        for task in list(self._running):
            task.cancel()
        self._running.clear()

    async def run_item(self, item: SlackOutboxItem, target: Target | None = None) -> None:
        """Carry out one leased item; ``target`` is its destination when the claim looked it up already."""
        assert item.id is not None
        now = utcnow()
        conversation, dest, waiting = target or await self.lookup.destination(item)
        if dest is None or conversation is None:
            await self._retry(item, now + timedelta(seconds=30), waiting or "no destination yet", count=False)
            return
        wait = self.pacer.reserve(dest.channel_id, max_wait=5.0)
        if wait is None:  # the channel is booked far ahead: give the item back until its turn
            at = now + timedelta(seconds=self.pacer.free_in(dest.channel_id))
            await self._retry(item, at, "waiting for the channel's rate limit", count=False)
            return
        if wait:
            await asyncio.sleep(wait)
        try:
            ts = await self.sender.send(item, conversation, dest, now)
        except Deferred as exc:
            if "rate limited" in exc.reason:
                self.pacer.back_off(dest.channel_id, exc.seconds)
            if exc.counts and item.attempts + 1 >= MAX_ATTEMPTS:
                await self._dead(item, exc.reason)
                return
            await self._retry(item, utcnow() + timedelta(seconds=exc.seconds), exc.reason, count=exc.counts)
            if exc.waiting_on_people:
                await self.lookup.channel_problem(item, exc.reason)
            return
        except Uncertain as exc:
            await self._fail(item, f"outcome unknown: {exc}", uncertain=True)
            return
        except Refused as exc:
            await self._dead(item, f"Slack refused: {exc}")
            return
        except (TimeoutError, OSError) as exc:  # aiohttp errors are OSErrors: the request may have landed
            await self._fail(item, f"connection: {type(exc).__name__}", uncertain=True)
            return
        except Exception as exc:
            await self._fail(item, f"{type(exc).__name__}: {str(exc)[:300]}", uncertain=False)
            return
        await self._completions.submit((item, ts))
        if item.kind in ("post", "upload"):
            activity.info("slack    posted into %s (conversation %s)", dest.channel_id, item.conversation_id)

    async def _record_done(self, session: AsyncSession, done: list[tuple[SlackOutboxItem, str | None]]) -> list[None]:
        await OutboxRepository(session).done_many([(item.id, ts) for item, ts in done])  # type: ignore[misc]
        await self.lookup.after_done(session, done)
        return [None] * len(done)

    async def _retry(self, item: SlackOutboxItem, at: datetime, reason: str, *, count: bool,
                     uncertain: bool | None = None) -> None:
        async with self.turns.session() as session:
            await OutboxRepository(session).retry(item.id, at=at, error=reason, count_attempt=count,  # type: ignore[arg-type]
                                                  outcome_unknown=uncertain)
            await session.commit()

    async def _fail(self, item: SlackOutboxItem, reason: str, *, uncertain: bool) -> None:
        if item.attempts + 1 >= MAX_ATTEMPTS:
            await self._dead(item, reason)
            return
        delay = backoff(item.attempts, base=2.0, cap=300.0)
        await self._retry(item, utcnow() + timedelta(seconds=delay), reason, count=True,
                          uncertain=True if uncertain else None)

    async def _dead(self, item: SlackOutboxItem, reason: str) -> None:
        log.error("slack write %s (%s) parked as dead: %s", item.id, item.kind, reason)
        async with self.turns.session() as session:
            await OutboxRepository(session).dead(item.id, reason)  # type: ignore[arg-type]
            await session.commit()
        if self.on_dead is not None:
            await self.on_dead(item, reason)
