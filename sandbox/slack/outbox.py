"""Slack's outgoing side in time: jobs due at a moment (deliveries, retries, late file shares), run in order.

One background task runs the due jobs one after another, so the events an app causes arrive in the order it
caused them; a job that waits on a slow app holds the line for at most ``blocking_seconds`` and then goes on
in the background, as Slack's own delivery does not wait for a slow app either.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

log = logging.getLogger("sandbox.slack")

Job = Callable[[], Awaitable[Any]]


class Outbox:
    """Scheduled jobs and the HTTP client the deliveries share."""

    def __init__(self) -> None:
        self._jobs: list[tuple[float, int, Job, float | None]] = []
        self._order = itertools.count()
        self._worker: asyncio.Task | None = None
        self._wake: asyncio.Event | None = None
        self._background: set[asyncio.Task] = set()
        self._client: httpx.AsyncClient | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def schedule(self, delay: float, job: Job, *, blocking_seconds: float | None = None) -> None:
        """Run ``job`` after ``delay`` seconds (after the jobs already due); must be called inside the loop."""
        loop = self._bind()
        heapq.heappush(self._jobs, (loop.time() + max(0.0, delay), next(self._order), job, blocking_seconds))
        assert self._wake is not None
        self._wake.set()
        if self._worker is None or self._worker.done():
            self._worker = loop.create_task(self._run(), name="slack-sim-outbox")

    @property
    def pending(self) -> int:
        """Jobs not yet started plus jobs still running."""
        running = sum(1 for task in self._background if not task.done())
        return len(self._jobs) + running + int(self._worker is not None and not self._worker.done())

    async def settle(self, within: float = 10.0) -> None:
        """Wait until every job due in the next ``within`` seconds has run (tests call this before asserting)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while self._jobs and self._jobs[0][0] <= deadline or any(not t.done() for t in self._background):
            if loop.time() > deadline:
                raise TimeoutError(f"the Slack simulator still has {self.pending} jobs after {within} s")
            await asyncio.sleep(0.005)

    def client(self, transport: httpx.AsyncBaseTransport | None, timeout: float) -> httpx.AsyncClient:
        """One HTTP client for every delivery (created in the running loop)."""
        self._bind()
        if self._client is None or self._client.is_closed:
            self._client = httpx.AsyncClient(transport=transport, timeout=timeout)
        return self._client

    async def aclose(self) -> None:
        """Drop what is still scheduled and close the client (the simulator is shutting down)."""
        self._jobs.clear()
        tasks = [t for t in (self._worker, *self._background) if t is not None and not t.done()]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if self._client is not None:
            await self._client.aclose()
        self._client = None

    def _bind(self) -> asyncio.AbstractEventLoop:
        loop = asyncio.get_running_loop()
        if self._loop is not loop:  # a new loop (a new test): nothing from the old one can run here
            self._jobs.clear()
            self._worker, self._client, self._background = None, None, set()
            self._wake = asyncio.Event()
            self._loop = loop
        return loop

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        assert self._wake is not None
        while self._jobs:
            due = self._jobs[0][0]
            if due > loop.time():
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), due - loop.time())
                continue
            _, _, job, blocking = heapq.heappop(self._jobs)
            task = loop.create_task(self._guarded(job))
            self._background.add(task)
            task.add_done_callback(self._background.discard)
            await asyncio.wait({task}, timeout=blocking)

    @staticmethod
    async def _guarded(job: Job) -> None:
        try:
            await job()
        except asyncio.CancelledError:
            raise
        except Exception:  # a job's failure is the simulator's bug: log it, keep delivering the others
            log.exception("Slack simulator job failed")
