"""SQLite has one writer at a time. When the inbox writer and the workers of one process each wrote on their own
pooled connection, they met in SQLite's busy handler, which sleeps in steps of up to 100 ms: acks and posts
waited far longer than the writes took. Here they take turns in the event loop instead, the webhook acks
first. On PostgreSQL every transaction simply runs (rows lock, commits group in its WAL).

Acks also go first for the process's CPU, on either database. The workers share the event loop with the
webhook endpoint, and while Meta floods it, a worker that writes as fast as it can takes the CPU the acks need
(bench.ingest). So while acks are contending (within ``PRESSURE_WINDOW`` of a commit that carried
``CONTENDED_BATCH`` acks or more: they queued while the previous commit ran), a worker's turn is followed by a
pause that keeps the workers' turns to about ``WORKER_SHARE`` of the time, at most ``MAX_PAUSE`` at once: the
workers slow down under a flood, never stop, and run at full speed as soon as it ends. What the acks stored
waits durably in the inbox meanwhile."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator

from sqlmodel.ext.asyncio.session import AsyncSession

from storage.database import Database

WORKER_SHARE = 0.15 # of the time, the workers' write turns while acks contend for theirs
MAX_PAUSE = 0.2  # seconds: the longest a worker waits for the acks at once
PRESSURE_WINDOW = 0.1  # seconds: acks count as contending this long after the last sign of it
CONTENDED_BATCH = 8  # acks in one group commit that show they are queueing

clock = time.monotonic
pause_for = asyncio.sleep


class WriteTurns:
    """``async with turns.session() as session`` is a session whose whole transaction holds the write turn
    (SQLite only); ``urgent=True`` (the webhook acks) goes before every writer that is still waiting."""

    def __init__(self, database: Database, *, worker_share: float = WORKER_SHARE):
        self.database = database
        self.serialised = database.is_sqlite
        self.worker_share = worker_share
        self._busy = False
        self._urgent: list[asyncio.Future[None]] = []
        self._others: list[asyncio.Future[None]] = []
        self._pressure_at = -PRESSURE_WINDOW  # monotonic time of the acks' last contention
        self._workers_resume_at = 0.0  # while acks contend, no worker's turn starts before this

    @contextlib.asynccontextmanager
    async def session(self, *, urgent: bool = False) -> AsyncIterator[AsyncSession]:
        if not urgent:
            await self._yield_to_acks()
        if self.serialised:
            await self._acquire(urgent)
        started = clock()
        try:
            async with self.database.session() as session:
                yield session
        finally:
            if self.serialised:
                self._release()
            if not urgent and self.acks_contending():  # the pause this turn owes the acks
                ended = clock()
                pause = (ended - started) * (1 - self.worker_share) / self.worker_share
                self._workers_resume_at = max(self._workers_resume_at, ended + min(pause, MAX_PAUSE))

    def note_batch(self, size: int) -> None:
        """An urgent group commit (relay/inbound/group_commit.py) carries ``size`` writes."""
        if size >= CONTENDED_BATCH:
            self._pressure_at = clock()

    def acks_contending(self) -> bool:
        return clock() - self._pressure_at < PRESSURE_WINDOW

    async def _yield_to_acks(self) -> None:
        """A worker's turn waits out the pause its predecessors owe the acks, while the acks contend."""
        while self.acks_contending() and (wait := self._workers_resume_at - clock()) > 0:
            await pause_for(min(wait, MAX_PAUSE))

    async def _acquire(self, urgent: bool) -> None:
        if not self._busy:
            self._busy = True
            return
        turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        (self._urgent if urgent else self._others).append(turn)
        try:
            await turn
        except asyncio.CancelledError:
            if turn.done() and not turn.cancelled():
                self._release()  # the turn was handed to us as we were cancelled: pass it on
            else:
                with contextlib.suppress(ValueError):
                    (self._urgent if urgent else self._others).remove(turn)
            raise

    def _release(self) -> None:
        for queue in (self._urgent, self._others):
            while queue:
                turn = queue.pop(0)
                if not turn.done():
                    turn.set_result(None)  # _busy stays True: the turn passes straight to this waiter
                    return
        self._busy = False
