"""Per-client rate limits that every instance shares, counted in the database (``rate_limit_windows``).

The client is ``request.client.host``: the peer address, or the address uvicorn took from X-Forwarded-For
when the peer is a proxy listed in ``--forwarded-allow-ips``. Old windows are purged by a job."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from starlette.requests import Request

from storage.database import Database
from storage.repositories import RateLimitRepository

MAX_BUCKET_LENGTH = 160  # rate_limit_windows.bucket


def client_address(request: Request) -> str:
    """Who a limit counts against: the client's address as uvicorn resolved it."""
    return request.client.host if request.client else "unknown"


def retry_after_header(seconds: float) -> dict[str, str]:
    """The Retry-After header for a wait of ``seconds`` (at least one second)."""
    return {"Retry-After": str(max(1, math.ceil(seconds)))}


class SharedRateLimit:
    """At most ``limit`` requests per ``window`` from each client, over every instance on the database.

    A sliding window: the hits of the previous fixed window count in proportion to how much of it still lies
    within the last ``window``, so a client gets no double burst at a window's edge. Refused requests count
    too: someone who keeps hammering stays refused."""

    def __init__(self, database: Database, name: str, *, limit: int, window: timedelta = timedelta(minutes=1),
                 clock: Callable[[], float] = time.time):
        self.database = database
        self.name = name
        self.limit = limit
        self.window = window.total_seconds()
        self.clock = clock

    async def take(self, client: str) -> float:
        """Count one request from ``client``: 0 when allowed, else the seconds after which to try again."""
        now = self.clock()
        start = math.floor(now / self.window) * self.window
        bucket = f"{self.name}:{client}"[:MAX_BUCKET_LENGTH]
        async with self.database.session() as session:
            windows = RateLimitRepository(session)
            current = await windows.count_hit(bucket, _moment(start))
            await session.commit()  # the write first and alone: SQLite then waits for its lock, never fails
            previous = await windows.hits(bucket, _moment(start - self.window))
        overlap = 1 - (now - start) / self.window
        if previous * overlap + current <= self.limit:
            return 0.0
        return start + self.window - now


def _moment(epoch_seconds: float) -> datetime:
    return datetime.fromtimestamp(epoch_seconds, UTC)
