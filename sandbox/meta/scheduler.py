"""Timers on the world's clock: what the simulator does later by itself (batches, retries, statuses, fetches).

Nothing runs on its own until ``start()`` (the served app's lifespan does it): tests that drive the app
in-process move their fake clock and call ``flush()``, so every later event happens exactly when they say.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import inspect
import itertools
from collections.abc import Awaitable, Callable

Job = Callable[[], Awaitable[None] | None]
IDLE_POLL_SECONDS = 0.25  # a fake clock moved by hand is noticed within this


class Scheduler:
    """A heap of (due, job); due jobs run in order, async ones as tasks so a slow one never holds the rest."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self.clock = clock
        self._heap: list[tuple[float, int, Job]] = []
        self._seq = itertools.count()
        self._tasks: set[asyncio.Task] = set()
        self._driver: asyncio.Task | None = None
        self._wake = asyncio.Event()

    @property
    def running(self) -> bool:
        """Whether a driver task fires timers by itself."""
        return self._driver is not None and not self._driver.done()

    def at(self, due: float, job: Job) -> None:
        """Run ``job`` once the clock reaches ``due``."""
        heapq.heappush(self._heap, (due, next(self._seq), job))
        self._wake.set()

    def after(self, seconds: float, job: Job) -> None:
        """Run ``job`` ``seconds`` from now."""
        self.at(self.clock() + max(seconds, 0.0), job)

    def pending(self) -> int:
        return len(self._heap)

    def run_due(self) -> int:
        """Start every job that is due; returns how many ran."""
        ran = 0
        now = self.clock()
        while self._heap and self._heap[0][0] <= now:
            _, _, job = heapq.heappop(self._heap)
            result = job()
            if inspect.isawaitable(result):
                self.spawn(result)
            ran += 1
        return ran

    def spawn(self, awaitable: Awaitable[None]) -> asyncio.Task:
        """Run a coroutine as a tracked task (``flush`` and ``stop`` wait for or cancel it)."""
        task = asyncio.ensure_future(awaitable)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def flush(self, before: Callable[[], None] | None = None, rounds: int = 100) -> None:
        """Run what is due now, wait for it, and repeat while that made more work due (bounded)."""
        for _ in range(rounds):
            if before is not None:
                before()
            ran = self.run_due()
            if self._tasks:
                await asyncio.gather(*list(self._tasks), return_exceptions=True)
            elif not ran:
                return

    def start(self) -> None:
        """Fire timers by themselves from now on (idempotent)."""
        if not self.running:
            self._driver = asyncio.create_task(self._drive(), name="meta-sim-scheduler")

    async def stop(self) -> None:
        """Stop firing timers and cancel what is in flight."""
        tasks = [t for t in (self._driver, *self._tasks) if t is not None]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._driver = None

    async def _drive(self) -> None:
        while True:
            self._wake.clear()
            self.run_due()
            timeout = IDLE_POLL_SECONDS
            if self._heap:
                timeout = min(max(self._heap[0][0] - self.clock(), 0.0), IDLE_POLL_SECONDS)
            if timeout <= 0:
                await asyncio.sleep(0)
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout)
