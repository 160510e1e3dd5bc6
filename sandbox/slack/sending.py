"""One request Slack sends to the app's Request URL, attempt by attempt: signed, timed and retried like Slack.

Slack counts a delivery as failed when no 2xx arrives within 3 s (``http_timeout``, and the retry goes out
while the slow answer may still come), on a non-2xx status (``http_error``) or when it cannot connect
(``connection_failed``). Events API deliveries are retried three times (at once, after 1 and 5 minutes),
each retry the same bytes with ``X-Slack-Retry-Num`` and ``X-Slack-Retry-Reason``; ``X-Slack-No-Retry: 1``
on a non-2xx answer stops them. Commands and interactivity are never retried (docs.slack.dev/apis/events-api).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from .signing import signed_headers
from .world import SlackWorld

# (response or None, answered within the ack window) -> facts to add to the report
AnswerHook = Callable[[httpx.Response | None, bool], dict[str, Any]]


@dataclass
class Outgoing:
    """A request as Slack built it; every attempt sends exactly ``raw``."""

    kind: str  # event, command, interactivity, url_verification
    url: str
    raw: bytes
    content_type: str
    facts: dict[str, Any] = field(default_factory=dict)  # what the caller is told (event_id, trigger_id, ...)
    timestamp: int | None = None  # a forced (stale) signing timestamp; None: the wall clock at each attempt
    signature: str | None = None  # a forced (forged) signature
    on_answer: AnswerHook | None = None
    attempts: int = 0

    @property
    def retryable(self) -> bool:
        return self.kind == "event"


def schedule_retry(world: SlackWorld, out: Outgoing, retry_num: int, reason: str) -> bool:
    """Queue retry ``retry_num + 1`` after Slack's delay for it; False when Slack would not (or is told not to)."""
    realism = world.realism
    following = retry_num + 1
    delays = realism.retry_delays_seconds
    if not (out.retryable and realism.retry_events) or following > len(delays):
        return False

    async def again() -> None:
        await send(world, out, following, reason)

    world.outbox.schedule(realism.seconds(delays[following - 1]), again, blocking_seconds=realism.ack_seconds)
    return True


def _headers(world: SlackWorld, out: Outgoing, retry_num: int, reason: str | None) -> dict[str, str]:
    # Signed with the wall clock (the app checks against its own), unless the test asks for a stale time
    timestamp = out.timestamp if out.timestamp is not None else int(time.time())
    headers = signed_headers(world.config.signing_secret, timestamp, out.raw, out.content_type)
    if out.signature:
        headers["X-Slack-Signature"] = out.signature
    if retry_num:
        headers["X-Slack-Retry-Num"] = str(retry_num)
        headers["X-Slack-Retry-Reason"] = reason or "http_error"
    return headers


async def send(world: SlackWorld, out: Outgoing, retry_num: int = 0, reason: str | None = None) -> dict:
    """POST one attempt, schedule Slack's retry if it fails, record it; returns the report."""
    headers = _headers(world, out, retry_num, reason)
    out.attempts += 1
    client = world.outbox.client(world.relay_transport, world.config.delivery_timeout_seconds)
    started = time.perf_counter()
    post = asyncio.ensure_future(client.post(out.url, content=out.raw, headers=headers))
    try:
        done, _ = await asyncio.wait({post}, timeout=world.realism.ack_seconds)
        in_time = bool(done)
        retry_scheduled = not in_time and schedule_retry(world, out, retry_num, "http_timeout")
        try:
            response: httpx.Response | None = await post
            error = None
        except httpx.HTTPError as exc:
            response, error = None, f"{type(exc).__name__}: {exc}"
    finally:
        if not post.done():
            post.cancel()
    elapsed = time.perf_counter() - started
    if response is None:
        if in_time:
            retry_scheduled = schedule_retry(world, out, retry_num, "connection_failed")
        result: dict[str, Any] = {"status": None, "body": "", "headers": {}, "error": error,
                                  "slack_would_retry": True}
    else:
        delivered = 200 <= response.status_code < 300
        no_retry = response.headers.get("x-slack-no-retry") == "1"
        if in_time and not delivered and not no_retry:
            retry_scheduled = schedule_retry(world, out, retry_num, "http_error")
        result = {
            "status": response.status_code,
            "body": response.text,
            "headers": dict(response.headers),
            "slack_would_retry": (not delivered or not in_time) and not (no_retry and in_time),
        }
    result.update({"elapsed_ms": round(elapsed * 1000, 1), "in_time": in_time, "retry_num": retry_num,
                   "retry_scheduled": retry_scheduled, **out.facts})
    if out.on_answer is not None:
        result.update(out.on_answer(response, in_time))
    world.deliveries.append({"kind": out.kind, "attempt": retry_num, "event_id": out.facts.get("event_id"),
                             "request": {"headers": headers, "body": out.raw.decode()}, "result": result})
    return result
