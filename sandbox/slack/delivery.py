"""``/_sim/slack/event``: build what Slack would send from a control request, deliver it, report the answer.

The report is the first attempt's; Slack's retries of a failed event follow in the background (see
sending.py) and every attempt shows in ``/_sim/slack/deliveries``.
"""

from __future__ import annotations

from typing import Any

import httpx

from .followon import remember
from .modals import SUBMISSION_FAILED, apply_view_response, refuse_answer
from .payloads import BUILDERS, PayloadError, workspace_of
from .sending import AnswerHook, Outgoing, send
from .world import SlackWorld


def _command_failed(world: SlackWorld, body: dict[str, Any]) -> AnswerHook:
    """A slash command answered late or with an error: Slack tells the person it failed."""

    def hook(response: httpx.Response | None, in_time: bool) -> dict[str, Any]:
        if response is not None and in_time and 200 <= response.status_code < 300:
            return {}
        reason = "operation_timeout" if not in_time else "dispatch_failed"
        text = f'{body.get("command")} failed with the error "{reason}"'
        refuse_answer(world, workspace_of(world, body), body, reason, text)
        return {"shown_error": text}

    return hook


def _submission_answered(world: SlackWorld, body: dict[str, Any]) -> AnswerHook:
    """A view_submission's answer applies only when it came in time with a 2xx (else the modal shows an error)."""

    def hook(response: httpx.Response | None, in_time: bool) -> dict[str, Any]:
        payload = body.get("payload") or {}
        if payload.get("type") != "view_submission":
            return {}
        ws = workspace_of(world, body)
        if response is None or not in_time or not 200 <= response.status_code < 300:
            reason = "http_timeout" if response is not None and not in_time else "http_error"
            return {"view_result": refuse_answer(world, ws, body, reason, SUBMISSION_FAILED)}
        outcome = apply_view_response(world, ws, body, response.text)
        return {"view_result": outcome} if outcome is not None else {}

    return hook


def prepare(world: SlackWorld, body: dict[str, Any]) -> Outgoing:
    """The request Slack would send for a control body (a replay when it names an event sent before)."""
    kind = str(body.get("kind"))
    builder = BUILDERS.get(kind)
    if builder is None:
        raise PayloadError(f"kind must be one of {', '.join(BUILDERS)}")
    url = body.get("url") or world.config.relay_events_url
    if not url:
        raise PayloadError('relay_events_url is not configured (or pass "url")', status=409)
    known = world.sent_events.get(str(body.get("event_id"))) if kind == "event" else None
    if known is not None and body.get("retry_num") is not None:
        return known  # Slack's retry of that delivery: the same bytes
    raw, content_type, facts = builder(world, body)
    hook = {"command": _command_failed, "interactivity": _submission_answered}.get(kind)
    out = Outgoing(
        kind,
        str(url),
        raw,
        content_type,
        facts,
        timestamp=int(body["timestamp"]) if body.get("timestamp") is not None else None,
        signature=str(body["signature"]) if body.get("signature") else None,
        on_answer=hook(world, body) if hook else None,
    )
    if kind == "event":
        remember(world, out)
    return out


async def deliver(world: SlackWorld, body: dict[str, Any]) -> dict:
    """Build, sign and POST one request as Slack would; report the app's answer."""
    out = prepare(world, body)
    retry_num = int(body["retry_num"]) if body.get("retry_num") is not None else 0
    return await send(world, out, retry_num, str(body.get("retry_reason") or "http_timeout"))
