"""Per-channel pacing of Slack writes: Slack allows about one message per second per channel, with short
bursts (reference slack 4). A generic cell-rate schedule per channel keeps us under it; a 429 pushes the
channel back by its Retry-After."""

from __future__ import annotations

import time


class ChannelPacer:
    """``reserve(channel, max_wait)`` books the next slot for a write to ``channel`` and says how long to wait
    for it, or None when that is more than ``max_wait`` (the caller gives the item back for later).
    ``rate`` None turns pacing off.

    ``burst`` is what Slack allows at once; one of it is kept in hand. Writes leave on schedule but reach
    Slack after varying delays, and Slack counts arrivals: paced to the exact limit, one late arrival
    followed by a prompt one drew a 429 (and a whole second's Retry-After)."""

    def __init__(self, rate: float | None = 1.0, burst: int = 3, clock=time.monotonic):  # type: ignore[no-untyped-def]
        self.rate, self.clock = rate, clock
        self.burst = max(1, burst - 1)  # the one kept in hand
        self._next: dict[str, float] = {}  # theoretical arrival time of the next write, per channel

    def reserve(self, channel: str, max_wait: float, writes: int = 1) -> float | None:
        """``writes`` is how many messages the item posts back to back (a reply that starts its thread posts
        the parent first): the wait lets the last of them through, and all of them are booked."""
        if self.rate is None:
            return 0.0
        now = self.clock()
        interval = 1.0 / self.rate
        due = max(self._next.get(channel, now), now)
        wait = max(0.0, due + (writes - 1) * interval - (self.burst - 1) * interval - now)
        if wait > max_wait:
            return None
        self._next[channel] = due + writes * interval
        return wait

    def free_in(self, channel: str) -> float:
        """Seconds until a write to ``channel`` could go without waiting."""
        if self.rate is None:
            return 0.0
        due = self._next.get(channel, 0.0) - (self.burst - 1) / self.rate
        return max(0.0, due - self.clock())

    def back_off(self, channel: str, seconds: float) -> None:
        """Slack answered 429 with Retry-After: no write to this channel before then."""
        if self.rate is None:
            return
        now = self.clock()
        self._next[channel] = max(self._next.get(channel, now), now + seconds + (self.burst - 1) / self.rate)
