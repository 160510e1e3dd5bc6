"""The loops behind the relay's workers, run in every `waslack serve` process:

- the inbox worker (relay/inbound/inbox_worker.py) leases stored webhooks (also those stored before a crash)
  and turns them into rows and outbox items (``WebhookProcessor``), several webhooks per transaction;
- the outbox worker (relay/inbound/outbox_worker.py) leases the head item of each conversation's lane and
  carries it out against Slack, pacing each channel;
- the reply and template send workers (relay/outbound, relay/template_sends) run on ``LaneWorkerLoop``.

Leases are conditional UPDATEs (plus SKIP LOCKED on PostgreSQL), so several processes share the work.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Coroutine
from datetime import timedelta
from typing import Any

log = logging.getLogger("waslack.inbound")

MAX_ATTEMPTS = 8
LEASE = timedelta(seconds=45)  # longer than any one write takes; a dead worker's items wait this long
STOP_GRACE_SECONDS = 10.0  # how long a stopping worker lets the calls it has begun finish
IDLE_POLL_SECONDS = 0.5  # how often an idle worker looks for work another process stored


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
            self._stopping = False  # a stopped loop can be started again
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



class LaneWorkerLoop(WorkerLoop):
    """A worker loop that runs each leased item as its own task, at most ``lanes`` at once; a finished task wakes
    the loop (its lane is free, and its item may have let the next one of its conversation go)."""

    def __init__(self, name: str, lanes: int):
        super().__init__(name)
        self.lanes = lanes
        self._running: set[asyncio.Task] = set()

    def free_lanes(self) -> int:
        return self.lanes - len(self._running)

    def spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(work)
        self._running.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task) -> None:
        self._running.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("%s task failed: %r", self.name, task.exception())
        self.wake()

    async def stop(self, grace: float = STOP_GRACE_SECONDS) -> None:
        """Stop claiming and give the items in hand ``grace`` seconds to finish before cutting them off: a send
        cut off mid-call is left to the item's own reconciling, but most shutdowns cut off none."""
        await super().stop()
        running = set(self._running)
        if running:
            _, cut_off = await asyncio.wait(running, timeout=grace)
            for task in cut_off:
                task.cancel()
            await asyncio.gather(*running, return_exceptions=True)
        self._running.clear()
