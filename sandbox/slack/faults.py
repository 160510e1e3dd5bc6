"""Injected failures (faults) and Slack-like rate limits for the Web API."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass
class Fault:
    """The next ``count`` calls to ``method`` (every method when None) fail or stall this way."""

    method: str | None = None
    count: int = 1
    status: int | None = None  # HTTP status to answer with (429 adds Retry-After)
    retry_after: int = 1
    error: str | None = None  # an ok:false error with HTTP 200 (or with ``status``)
    delay_ms: int = 0  # stall before answering; alone, the call then proceeds normally

    @classmethod
    def from_json(cls, body: dict[str, Any]) -> Fault:
        """Build from the control endpoint's JSON; raises ValueError naming the bad field."""
        fault = cls(
            method=body.get("method"),
            count=int(body.get("count", 1)),
            status=body.get("status"),
            retry_after=int(body.get("retry_after", 1)),
            error=body.get("error"),
            delay_ms=int(body.get("delay_ms", 0)),
        )
        if fault.count < 1:
            raise ValueError("count must be at least 1")
        if fault.status is not None and not 400 <= int(fault.status) <= 599:
            raise ValueError("status must be an HTTP error status (400-599)")
        if fault.status is None and fault.error is None and fault.delay_ms <= 0:
            raise ValueError("give at least one of status, error, delay_ms")
        return fault

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)

    def response(self) -> tuple[int, dict[str, Any], dict[str, str]] | None:
        """What the faulted call answers (status, body, headers); None when it only delays."""
        if self.status is None and self.error is None:
            return None
        # Slack only ever says "ratelimited" with a 429 and Retry-After
        status = int(self.status or (429 if self.error == "ratelimited" else 200))
        headers: dict[str, str] = {}
        if status == 429:
            headers["Retry-After"] = str(self.retry_after)
            return status, {"ok": False, "error": self.error or "ratelimited"}, headers
        default_error = "fatal_error" if status >= 500 else "invalid_request"
        return status, {"ok": False, "error": self.error or default_error}, headers


class FaultBook:
    """Pending faults, consumed in the order they were added."""

    def __init__(self) -> None:
        self.pending: list[Fault] = []

    def add(self, fault: Fault) -> None:
        self.pending.append(fault)

    def clear(self) -> None:
        self.pending.clear()

    def take(self, method: str) -> Fault | None:
        """The first fault matching ``method``, counted down by one use."""
        for fault in self.pending:
            if fault.method in (None, method):
                fault.count -= 1
                if fault.count <= 0:
                    self.pending.remove(fault)
                return fault
        return None


class TokenBucket:
    """``capacity`` calls at once, refilled at ``rate`` per second."""

    def __init__(self, capacity: float, rate: float, now: float):
        self.capacity, self.rate, self.tokens, self.updated = capacity, rate, capacity, now

    def take(self, now: float) -> float:
        """0 when a call may pass, else the seconds until one may."""
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.rate


# Per-minute limits of Slack's tiers, per method per workspace (docs.slack.dev/apis/web-api/rate-limits)
TIER_PER_MINUTE = {1: 1, 2: 20, 3: 50, 4: 100}
METHOD_TIERS = {
    "chat.update": 3,
    "chat.postEphemeral": 4,
    "chat.getPermalink": 4,
    "reactions.add": 3,
    "reactions.remove": 3,
    "conversations.create": 2,
    "conversations.info": 3,
    "conversations.join": 3,
    "conversations.members": 4,
    "conversations.invite": 3,
    "views.publish": 4,
    "views.open": 4,
    "views.update": 4,
    "views.push": 4,
    "users.info": 4,
    "files.getUploadURLExternal": 4,
    "files.completeUploadExternal": 4,
    "files.info": 4,
}


class RateLimiter:
    """Off by default. When on: chat.postMessage ~1/s per channel (burst ``burst``); optionally tiers."""

    def __init__(self, clock: Callable[[], float]):
        self._clock = clock
        self.enabled = False
        self.per_channel_per_second = 1.0
        self.burst = 3
        self.tiers = False
        self._buckets: dict[tuple[str, ...], TokenBucket] = {}

    def configure(self, body: dict[str, Any]) -> dict[str, Any]:
        self.enabled = bool(body.get("enabled", True))
        self.per_channel_per_second = float(body.get("per_channel_per_second", 1.0))
        self.burst = int(body.get("burst", 3))
        self.tiers = bool(body.get("tiers", False))
        if self.per_channel_per_second <= 0 or self.burst < 1:
            raise ValueError("per_channel_per_second must be > 0 and burst >= 1")
        self._buckets.clear()
        return self.describe()

    def describe(self) -> dict[str, Any]:
        return {
            "enabled": self.enabled,
            "per_channel_per_second": self.per_channel_per_second,
            "burst": self.burst,
            "tiers": self.tiers,
        }

    def check(self, team_id: str, method: str, channel: str | None) -> int:
        """0 when the call may proceed, else the Retry-After seconds to answer a 429 with."""
        if not self.enabled:
            return 0
        now = self._clock()
        if method == "chat.postMessage" and channel:
            key: tuple[str, ...] = (team_id, method, channel)
            bucket = self._buckets.get(key) or TokenBucket(self.burst, self.per_channel_per_second, now)
        elif self.tiers and method in METHOD_TIERS:
            per_minute = TIER_PER_MINUTE[METHOD_TIERS[method]]
            key = (team_id, method)
            bucket = self._buckets.get(key) or TokenBucket(max(1, per_minute // 10), per_minute / 60, now)
        else:
            return 0
        self._buckets[key] = bucket
        wait = bucket.take(now)
        return 0 if wait == 0 else max(1, math.ceil(wait))
