"""The burst phase of the ingest benchmark: several new candidates write at once into one channel, with the
Slack simulator's rate limits on and the relay pacing its writes; how long until all of it is in Slack, in
order, beside the floor Slack's per-channel chat.postMessage limit sets."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx

from bench.traffic import SlackView, candidates, message_text, text_webhook, until
from whatsapp.signature import sign


def burst_floor(limits: dict[str, Any] | None, posts: int) -> tuple[float | None, str | None]:
    """Seconds Slack needs at least for ``posts`` chat.postMessage calls into one channel: a bucket of
    ``burst`` posts at once, then ``per_channel_per_second``; (None, reason) when the simulator has no such
    limit configured."""
    if limits is None:
        return None, "the Slack simulator has no rate-limit configuration (/_sim/slack/rate_limits)"
    rate, burst = limits.get("per_channel_per_second"), limits.get("burst")
    if not isinstance(rate, int | float) or rate <= 0 or not isinstance(burst, int) or burst < 1:
        return None, f"the Slack simulator's rate limits name no per-channel chat.postMessage limit: {limits}"
    return round(max(0, posts - burst) / rate, 2), None


async def burst_phase(stack: Any, relay_url: str, number: dict[str, Any], secret: str,
                      limits: dict[str, Any] | None, view: SlackView, *, candidates: int = 6,
                      per_candidate: int = 10, within: float = 600.0) -> dict[str, Any]:
    """``candidates`` new conversations on ``number`` send ``per_candidate`` messages each, one after another
    per candidate, all candidates at once; ``burst_s`` runs from the first send until the last post is in."""
    posts = candidates * (per_candidate + 1)  # every new conversation starts with its thread parent
    floor, reason = burst_floor(limits, posts)
    if limits is None:
        return {"burst_s": None, "burst_floor_s": None, "burst_note": reason}
    on = await stack.http.post(f"{stack.slack_sim_url}/_sim/slack/rate_limits", json={**limits, "enabled": True})
    on.raise_for_status()
    people = _people(number, candidates)
    url = f"{relay_url}/webhooks/whatsapp"
    calls_before = len(stack.slack.call_log)
    started = time.time()
    async with httpx.AsyncClient(timeout=10) as client:
        async def candidate(index: int) -> None:
            for sequence in range(per_candidate):
                body = text_webhook(people[index], f"wamid.B.{index}.{sequence}",
                                    message_text("B", index, sequence), sequence)
                answer = await client.post(url, content=body, headers={
                    "Content-Type": "application/json", "X-Hub-Signature-256": sign(body, secret)})
                answer.raise_for_status()

        await asyncio.gather(*(candidate(i) for i in range(candidates)))
    wanted = candidates * per_candidate
    if not await until(lambda: len(view.replies("B")) >= wanted, within=within):
        return {"burst_s": None, "burst_floor_s": floor,
                "burst_note": f"only {len(view.replies('B'))} of {wanted} in Slack after {within:.0f} s"}
    replies = view.replies("B")
    in_order = all(_ordered([t for t, _ in replies if t.startswith(f"B c{i:04d} ")]) for i in range(candidates))
    rate_limited = sum(1 for call in stack.slack.call_log[calls_before:] if _was_limited(call))
    out: dict[str, Any] = {"burst_s": round(max(at for _, at in replies) - started, 2), "burst_floor_s": floor,
                           "burst_in_order": in_order, "burst_posts": posts, "burst_429s": rate_limited}
    if reason:
        out["burst_note"] = reason
    return out


def _people(number: dict[str, Any], count: int):  # type: ignore[no-untyped-def]
    return candidates([number], count, prefix="2127")


def _ordered(texts: list[str]) -> bool:
    return texts == sorted(texts)


def _was_limited(call: dict[str, Any]) -> bool:
    return call.get("method") == "chat.postMessage" and call.get("status") == 429
