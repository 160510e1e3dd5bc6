"""The outbox worker of every `waslack serve` process: it leases the head item of each conversation's lane and
carries it out against Slack, pacing each channel; a failing item is retried with backoff and parked as dead
after ``MAX_ATTEMPTS``, without holding up other conversations. Finished writes share commits."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.outbox_sender import Deferred, Destination, OutboxSender, Refused, Uncertain
from relay.inbound.group_commit import GroupCommit
from relay.inbound.lookup import OutboxLookup, Target
from relay.inbound.pacing import ChannelPacer
from relay.inbound.workers import LEASE, MAX_ATTEMPTS, STOP_GRACE_SECONDS, WorkerLoop, backoff
from relay.inbound.write_turns import WriteTurns
from storage.database import Database
from storage.messaging_models import Conversation, SlackOutboxItem
from storage.models import utcnow
from storage.repositories.outbox import OutboxRepository

log = logging.getLogger("waslack.inbound")
activity = logging.getLogger("waslack.activity")


DestinationFor = Callable[[SlackOutboxItem], Awaitable[tuple[object, Destination | None, str | None]]]


class OutboxWorker(WorkerLoop):
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
        self._leased: dict[asyncio.Task, SlackOutboxItem] = {}
        self._writing: set[int] = set()  # items whose Slack call has begun: stopping lets these finish

    async def step(self) -> bool:
        """Lease heads for free worker slots and run each as its own task: a channel waiting for its rate
        limit never holds up another channel. Busy, it waits for a quarter of the slots to free up first:
        one claim for many items, not one per finished write. It waits in the loop, which every finished
        write and every newly queued one wakes."""
        free = self.lanes - len(self._running)
        if free <= 0 or (free < self.lanes // 4 and len(self._running) > 0):
            return False
        async with self.turns.session() as session:
            items = await OutboxRepository(session).claim_heads(free, LEASE)
            await session.commit()
        targets = await self.lookup.destinations(items) if items else {}
        for item in items:
            task = asyncio.create_task(self.run_item(item, targets[item.id]))  # type: ignore[index]
            self._running.add(task)
            self._leased[task] = item
            task.add_done_callback(self._finished)
        return bool(items)

    def _finished(self, task: asyncio.Task) -> None:
        self._running.discard(task)
        self._leased.pop(task, None)
        if not task.cancelled() and task.exception() is not None:
            log.error("outbox task failed: %r", task.exception())
        self.wake()

    async def drain(self) -> None:
        """Wait for the writes in flight (tests, shutdown)."""
        while self._running:
            await asyncio.wait(set(self._running))

    async def stop(self, grace: float = STOP_GRACE_SECONDS) -> None:
        """Stop claiming, let the writes already talking to Slack finish (up to ``grace`` seconds), and give
        back every other lease at once: a stopped worker's items go on in the next worker without waiting for
        their leases to run out. A write cut off mid-call may have reached Slack, so its next attempt
        reconciles first."""
        await super().stop()
        leased = dict(self._leased)
        writing = {task for task, item in leased.items() if item.id in self._writing}
        for task in set(leased) - writing:
            task.cancel()
        cut_off: set[asyncio.Task] = set()
        if writing:
            _, cut_off = await asyncio.wait(writing, timeout=grace)
            for task in cut_off:
                task.cancel()
        await asyncio.gather(*leased, return_exceptions=True)
        given_back = {task: item.id for task, item in leased.items() if task.cancelled()}
        if given_back:
            async with self.turns.session() as session:
                repository = OutboxRepository(session)
                await repository.release([i for t, i in given_back.items() if t not in cut_off],  # type: ignore[misc]
                                         outcome_unknown=False)
                await repository.release([i for t, i in given_back.items() if t in cut_off],  # type: ignore[misc]
                                         outcome_unknown=True)
                await session.commit()
        self._running.clear()
        self._leased.clear()
        self._writing.clear()

    async def run_item(self, item: SlackOutboxItem, target: Target | None = None) -> None:
        """Carry out one leased item; ``target`` is its destination when the claim looked it up already."""
        assert item.id is not None
        now = utcnow()
        conversation, dest, waiting = target or await self.lookup.destination(item)
        if dest is None or conversation is None:
            await self._retry(item, now + timedelta(seconds=30), waiting or "no destination yet", count=False)
            return
        # an item of a conversation without a thread in this channel posts the thread parent first
        starts_thread = not (conversation.thread_ts and conversation.slack_channel_id == dest.channel_id)
        wait = self.pacer.reserve(dest.channel_id, max_wait=5.0, writes=2 if starts_thread else 1)
        if wait is None:  # the channel is booked far ahead: give the item back until its turn
            at = now + timedelta(seconds=self.pacer.free_in(dest.channel_id))
            await self._retry(item, at, "waiting for the channel's rate limit", count=False)
            return
        if wait:
            await asyncio.sleep(wait)
        self._writing.add(item.id)
        try:
            await self._write(item, conversation, dest, now)
        finally:
            self._writing.discard(item.id)

    async def _write(self, item: SlackOutboxItem, conversation: Conversation, dest: Destination, now: datetime) -> None:
        """The Slack call and its outcome recorded: once begun, a stop lets it finish."""
        try:
            ts = await self.sender.send(item, conversation, dest, now)
        except Deferred as exc:
            if "rate limited" in exc.reason or exc.waiting_on_people:  # the whole channel waits, not one thread
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
