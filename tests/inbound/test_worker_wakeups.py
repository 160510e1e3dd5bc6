"""A worker woken while its step runs (work stored just after the step looked) goes round again at once,
rather than sleeping until its next poll: a lost wake-up showed in bench.ingest as e2e latency spikes of half
a second."""

from __future__ import annotations

import asyncio

from relay.inbound import workers


async def test_a_wake_during_a_step_is_not_lost(monkeypatch):
    monkeypatch.setattr(workers, "IDLE_POLL_SECONDS", 60.0)  # a lost wake-up would sleep the whole minute
    second_step = asyncio.Event()

    class Worker(workers.WorkerLoop):
        steps = 0

        async def step(self) -> bool:
            self.steps += 1
            if self.steps == 1:
                self.wake()  # work arrives after this step's query found nothing
                return False
            second_step.set()
            return False

    worker = Worker("test")
    worker.start()
    try:
        async with asyncio.timeout(5):
            await second_step.wait()
    finally:
        await worker.stop()


async def test_an_idle_worker_sleeps_until_woken(monkeypatch):
    monkeypatch.setattr(workers, "IDLE_POLL_SECONDS", 60.0)
    stepped = asyncio.Event()

    class Worker(workers.WorkerLoop):
        steps = 0

        async def step(self) -> bool:
            self.steps += 1
            stepped.set()
            return False

    worker = Worker("test")
    worker.start()
    try:
        await stepped.wait()
        stepped.clear()
        await asyncio.sleep(0.2)
        assert worker.steps == 1  # nothing to do: it does not spin
        worker.wake()
        async with asyncio.timeout(5):
            await stepped.wait()
        assert worker.steps == 2
    finally:
        await worker.stop()
