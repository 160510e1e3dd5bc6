"""Browser-facing protection for the connect page: its security headers and Content-Security-Policy, and a
modest per-IP rate limit on the endpoints the page calls."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from starlette.responses import Response

from relay.settings import Settings

# Where the SDK has historically hosted its cross-domain helper iframe.
META_STATIC_ORIGIN = "https://staticxx.facebook.com"


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _sources(*groups: Iterable[str]) -> str:
    seen: list[str] = []
    for group in groups:
        for source in group:
            if source not in seen:
                seen.append(source)
    return " ".join(seen)


def content_security_policy(settings: Settings) -> str:
    """Our origin plus Meta's: the SDK's origin runs script; Meta's web origins may be framed (the SDK's
    helper iframes) and called. No inline script, no plugins, no framing of this page."""
    sdk = origin_of(settings.META_SDK_URL)
    meta_web = [origin_of(settings.META_WEB_URL), *settings.allowed_signup_origins]
    directives = {
        "default-src": "'none'",
        "script-src": _sources(["'self'", sdk]),
        "connect-src": _sources(["'self'", sdk], meta_web),
        "frame-src": _sources([sdk], meta_web, [META_STATIC_ORIGIN]),
        "style-src": "'self'",
        "img-src": "'self' data:",
        "form-action": "'self'",
        "base-uri": "'none'",
        "object-src": "'none'",
        "frame-ancestors": "'none'",
    }
    return "; ".join(f"{name} {value}" for name, value in directives.items())


def security_headers(settings: Settings) -> dict[str, str]:
    """Headers for every response under /connect."""
    return {
        "Content-Security-Policy": content_security_policy(settings),
        # The token is in the URL: never send it on as a Referer, not even to Meta.
        "Referrer-Policy": "no-referrer",
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Cache-Control": "no-store",
        # The Facebook pop-up must keep ``window.opener`` to post its session message back to us.
        "Cross-Origin-Opener-Policy": "same-origin-allow-popups",
        "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
    }


def apply_headers(response: Response, headers: dict[str, str]) -> Response:
    for name, value in headers.items():
        response.headers.setdefault(name, value)
    return response


@dataclass
class _Bucket:
    tokens: float
    updated: float


class TokenBucketLimiter:
    """Per-key token buckets held in this process's memory.

    Good enough here: the single-use connect token is the real guard, and this only slows down someone
    hammering the endpoints from one address. Behind several instances each keeps its own buckets, and
    behind a proxy every visitor shares the proxy's address; both only make the limit looser.
    """

    MAX_KEYS = 10_000

    def __init__(self, capacity: float, per_second: float, clock: Callable[[], float] = time.monotonic):
        self.capacity = capacity
        self.per_second = per_second
        self.clock = clock
        self._buckets: dict[str, _Bucket] = {}

    def take(self, key: str) -> float:
        """Spend one token for ``key``: 0 when allowed, else the seconds until one is available."""
        now = self.clock()
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= self.MAX_KEYS:
                self._forget_idle(now)
            bucket = self._buckets[key] = _Bucket(self.capacity, now)
        bucket.tokens = min(self.capacity, bucket.tokens + (now - bucket.updated) * self.per_second)
        bucket.updated = now
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return 0.0
        return (1 - bucket.tokens) / self.per_second

    def _forget_idle(self, now: float) -> None:
        full_after = self.capacity / self.per_second
        for key in [k for k, b in self._buckets.items() if now - b.updated >= full_after]:
            del self._buckets[key]
        if len(self._buckets) >= self.MAX_KEYS:  # everyone is busy: forget the oldest half
            for key in sorted(self._buckets, key=lambda k: self._buckets[k].updated)[: self.MAX_KEYS // 2]:
                del self._buckets[key]


def retry_after_header(seconds: float) -> dict[str, str]:
    return {"Retry-After": str(max(1, math.ceil(seconds)))}
