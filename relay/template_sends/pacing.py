"""Pacing template sends within what Meta allows: each number's sends spaced evenly a little under its
throughput (reference 4.1, 130429 beyond), and never two sends to one candidate within the pair rate (4.2)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

PAIR_RATE_SECONDS = 6.0  # one message every 6 seconds to the same user (Meta allows short bursts beyond)
LATE_SECONDS = 0.25  # a send later than this for its slot (the process was busy) books a fresh slot
HEADROOM = 0.985  # paced at 98.5% of the rate: clock skew and bunched arrivals never cross Meta's line


class SendPacer:
    """Slots for sends, evenly spaced per number. Slots missed while the process was busy are not caught up on,
    and a send that overslept its slot takes a fresh one (``wait_turn``), so sends booked before a stall never
    leave together when it ends."""

    def __init__(self, per_second: float, *, clock: Callable[[], float] = time.monotonic):
        self.interval = 1.0 / (per_second * HEADROOM)
        self.clock = clock
        self._next: dict[str, float] = {}
        self._pairs: dict[tuple[str, str], float] = {}

    def reserve(self, number: str) -> float:
        """Seconds until this number's next send may leave; the slot is taken."""
        now = self.clock()
        slot = max(now, self._next.get(number, 0.0))
        self._next[number] = slot + self.interval
        return max(0.0, slot - now)

    async def wait_turn(self, number: str, sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        """Sleep until this number's next slot; overslept by more than LATE_SECONDS, book a fresh slot."""
        for _ in range(100):
            slot = self.clock() + self.reserve(number)
            delay = slot - self.clock()
            if delay > 0:
                await sleep(delay)
            if self.clock() - slot <= LATE_SECONDS:
                return

    def backlog(self) -> float:
        """Seconds of sends already booked ahead for the busiest number."""
        now = self.clock()
        return max((slot - now for slot in self._next.values()), default=0.0)

    def pair_wait(self, number: str, to: str) -> float:
        """Seconds until ``to`` may be sent to again from ``number`` (0: now)."""
        last = self._pairs.get((number, to))
        return 0.0 if last is None else max(0.0, last + PAIR_RATE_SECONDS - self.clock())

    def sent_to(self, number: str, to: str) -> None:
        now = self.clock()
        self._pairs[(number, to)] = now
        if len(self._pairs) > 100_000:  # forget pairs older than the pair rate
            self._pairs = {k: v for k, v in self._pairs.items() if v + PAIR_RATE_SECONDS > now}
