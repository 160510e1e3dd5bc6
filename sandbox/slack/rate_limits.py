"""Slack's Web API rate limits: per method per workspace by tier, and chat.postMessage's own rules.

docs.slack.dev/apis/web-api/rate-limits: limits are "per API method per workspace per app", evaluated per
minute with short bursts tolerated; chat.postMessage allows about one message per second per channel (short
bursts above that) and several hundred per minute per workspace. Beyond a limit Slack answers HTTP 429
``{"ok": false, "error": "ratelimited"}`` with an integer ``Retry-After`` in seconds; the refused call does
not count.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable

from .config import Realism

# Calls per minute of each tier
TIER_PER_MINUTE = {1: 1, 2: 20, 3: 50, 4: 100}
# The methods the simulator serves, by tier (slackapi/java-slack-sdk MethodsRateLimits.java, method pages)
METHOD_TIERS = {
    "apps.uninstall": 1,
    "conversations.create": 2,
    "chat.update": 3,
    "reactions.add": 3,
    "reactions.remove": 3,
    "conversations.info": 3,
    "conversations.join": 3,
    "conversations.invite": 3,
    "conversations.history": 3,
    "conversations.replies": 3,
    "chat.postEphemeral": 4,
    "chat.getPermalink": 4,
    "conversations.members": 4,
    "views.publish": 4,
    "views.open": 4,
    "views.update": 4,
    "views.push": 4,
    "users.info": 4,
    "files.getUploadURLExternal": 4,
    "files.completeUploadExternal": 4,
    "files.info": 4,
    "oauth.v2.access": 4,
}
# Since 2025-05-29 apps not approved for the Marketplace get Tier 1 here (and 15 messages a page)
HISTORY_METHODS = ("conversations.history", "conversations.replies")
MINUTE = 60.0


def method_tier(method: str, realism: Realism) -> int | None:
    """The tier that limits ``method`` (None: special or unlimited, like auth.test)."""
    if method in HISTORY_METHODS and not realism.marketplace_app:
        return 1
    return METHOD_TIERS.get(method)


class TokenBucket:
    """``capacity`` calls at once, refilled at ``rate`` per second."""

    def __init__(self, capacity: float, rate: float, now: float):
        self.capacity, self.rate, self.tokens, self.updated = capacity, rate, capacity, now

    def wait(self, now: float) -> float:
        """0 when a call may pass now, else the seconds until one may."""
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.rate

    def take(self) -> None:
        self.tokens -= 1


class SlidingWindow:
    """At most ``limit`` calls in any ``window`` seconds: a burst may use a whole minute's budget at once."""

    def __init__(self) -> None:
        self.calls: deque[float] = deque()

    def wait(self, now: float, limit: int, window: float) -> float:
        while self.calls and self.calls[0] <= now - window:
            self.calls.popleft()
        return 0.0 if len(self.calls) < limit else self.calls[0] + window - now

    def take(self, now: float) -> None:
        self.calls.append(now)


class RateLimiter:
    """Answers, for each Web API call, whether Slack would refuse it and for how long."""

    def __init__(self, clock: Callable[[], float], realism: Callable[[], Realism]):
        self._clock = clock
        self._realism = realism
        self._buckets: dict[tuple[str, str], TokenBucket] = {}
        self._windows: dict[tuple[str, str], SlidingWindow] = {}

    def reset(self) -> None:
        """Forget every call counted so far (after the settings change)."""
        self._buckets.clear()
        self._windows.clear()

    def check(self, team_id: str, method: str, channel: str | None) -> int:
        """0 when the call may proceed (and counts), else the Retry-After seconds of a 429."""
        realism = self._realism()
        if not realism.rate_limits:
            return 0
        now = self._clock()
        minute = realism.seconds(MINUTE)
        gates: list[tuple[float, Callable[[], None]]] = []
        if method == "chat.postMessage":
            workspace = self._windows.setdefault((team_id, method), SlidingWindow())
            gates.append((workspace.wait(now, realism.posts_per_minute, minute), lambda: workspace.take(now)))
            if channel:
                rate = realism.posts_per_second / realism.time_scale
                bucket = self._buckets.setdefault(
                    (team_id, channel), TokenBucket(realism.post_burst, rate, now)
                )
                gates.append((bucket.wait(now), bucket.take))
        elif realism.tiers:
            tier = method_tier(method, realism)
            if tier is not None:
                window = self._windows.setdefault((team_id, method), SlidingWindow())
                gates.append((window.wait(now, TIER_PER_MINUTE[tier], minute), lambda: window.take(now)))
        wait = max((w for w, _ in gates), default=0.0)
        if wait > 0:
            return max(1, math.ceil(wait))
        for _, take in gates:
            take()
        return 0
