"""How long the Graph client waits before trying a call again (bounded exponential backoff)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from whatsapp.errors import PairRateLimitError, ThrottledError


@dataclass(frozen=True)
class Backoff:
    """Delays for retry ``index`` 0, 1, 2, ...: base * factor**index, capped, with equal jitter."""

    random: Callable[[], float]
    base: float = 1.0
    factor: float = 2.0
    cap: float = 60.0

    def delay(self, index: int) -> float:
        """Exponential delay with jitter in [delay/2, delay]; jitter spreads tenants hitting one limit."""
        ceiling = min(self.cap, self.base * self.factor**index)
        return ceiling / 2 + ceiling / 2 * self.random()

    def throttle_delay(self, error: ThrottledError, index: int) -> float | None:
        """Delay after a rate limit, or None when Meta asks for longer than we are willing to wait here."""
        if isinstance(error, PairRateLimitError):
            # Meta's guidance for the pair rate limit: retry after 4^x seconds.
            return min(self.cap, 4.0**index)
        if error.retry_after is not None:
            # Longer waits belong to the caller's queue, not to a coroutine holding a worker.
            return error.retry_after if error.retry_after <= self.cap else None
        return self.delay(index)
