"""Signed delivery of Slack's requests to the relay, and what Slack does with its answer to a modal."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx

from .methods.views import MAX_STACK, new_hash, open_modal, validated_view
from .payloads import BUILDERS, PayloadError, workspace_of
from .signing import signed_headers
from .world import SlackApiFailure, SlackWorld

SLACK_ACK_SECONDS = 3.0  # Slack counts a delivery without a 2xx within 3 s as failed and retries it


async def deliver(
    world: SlackWorld, body: dict[str, Any], transport: httpx.AsyncBaseTransport | None
) -> dict:
    """Build, sign and POST one request as Slack would; report the relay's answer."""
    builder = BUILDERS.get(str(body.get("kind")))
    if builder is None:
        raise PayloadError(f"kind must be one of {', '.join(BUILDERS)}")
    url = body.get("url") or world.config.relay_events_url
    if not url:
        raise PayloadError('relay_events_url is not configured (or pass "url")', status=409)
    raw, content_type, facts = builder(world, body)
    # Signed with the wall clock (the relay checks against its own), unless the test asks for a stale time
    timestamp = int(body["timestamp"]) if body.get("timestamp") is not None else int(time.time())
    headers = signed_headers(world.config.signing_secret, timestamp, raw, content_type)
    if body.get("signature"):
        headers["X-Slack-Signature"] = str(body["signature"])
    if body.get("retry_num") is not None:
        headers["X-Slack-Retry-Num"] = str(body["retry_num"])
        headers["X-Slack-Retry-Reason"] = str(body.get("retry_reason", "http_timeout"))
    started = time.perf_counter()
    try:
        async with httpx.AsyncClient(
            transport=transport, timeout=world.config.delivery_timeout_seconds
        ) as client:
            response = await client.post(url, content=raw, headers=headers)
    except httpx.HTTPError as exc:
        result = {
            "status": None,
            "body": "",
            "headers": {},
            "error": f"{type(exc).__name__}: {exc}",
            "slack_would_retry": True,
            **facts,
        }
        world.deliveries.append({"request": {"headers": headers, "body": raw.decode()}, "result": result})
        return result
    elapsed = time.perf_counter() - started
    no_retry = response.headers.get("x-slack-no-retry") == "1"
    failed = not 200 <= response.status_code < 300 or elapsed > SLACK_ACK_SECONDS
    result = {
        "status": response.status_code,
        "body": response.text,
        "headers": dict(response.headers),
        "elapsed_ms": round(elapsed * 1000, 1),
        "slack_would_retry": failed and not (no_retry and elapsed <= SLACK_ACK_SECONDS),
        **facts,
    }
    if body.get("kind") == "interactivity" and response.status_code == 200:
        outcome = apply_view_response(world, body, response.text)
        if outcome is not None:
            result["view_result"] = outcome
    world.deliveries.append({"request": {"headers": headers, "body": raw.decode()}, "result": result})
    return result


def apply_view_response(world: SlackWorld, body: dict[str, Any], text: str) -> dict[str, Any] | None:
    """What Slack does to the user's modal stack after view_submission / view_closed is acknowledged."""
    payload = body.get("payload") or {}
    kind = payload.get("type")
    if kind not in ("view_submission", "view_closed"):
        return None
    ws = workspace_of(world, body)
    user_id = (payload.get("user") or {}).get("id") or body.get("user_id") or ws.admin_user_id
    stack = ws.modal_stacks.get(user_id, [])
    if kind == "view_closed":
        top = ws.views.get(stack[-1]) if stack else None
        clear = bool(top and top.spec.get("clear_on_close"))
        ws.modal_stacks[user_id] = [] if clear else stack[:-1]
        return {"action": "closed", "stack": ws.modal_stacks[user_id]}
    try:
        answer = json.loads(text) if text.strip() else {}
    except ValueError:
        answer = {}
    action = answer.get("response_action") if isinstance(answer, dict) else None
    try:
        if action == "errors":
            if not isinstance(answer.get("errors"), dict) or not answer["errors"]:
                return {"action": "errors", "ok": False, "error": "errors must be a non-empty object"}
            return {"action": "errors", "ok": True, "errors": answer["errors"], "stack": stack}
        if action == "clear":
            ws.modal_stacks[user_id] = []
        elif action == "update":
            spec = validated_view(answer.get("view"), expected_type="modal")
            top = ws.views[stack[-1]]
            top.spec, top.hash, top.state_values = spec, new_hash(world), {}
        elif action == "push":
            if len(stack) >= MAX_STACK:
                raise SlackApiFailure("push_limit_reached")
            open_modal(
                world, ws, user_id, validated_view(answer.get("view"), expected_type="modal"), push=True
            )
        else:
            ws.modal_stacks[user_id] = stack[:-1]  # a plain ack closes the submitted view
            action = "close"
    except SlackApiFailure as failure:
        return {"action": action, "ok": False, **failure.body()}
    except (IndexError, KeyError):
        return {"action": action, "ok": False, "error": "no open modal for this user"}
    return {"action": action, "ok": True, "stack": ws.modal_stacks.get(user_id, [])}
