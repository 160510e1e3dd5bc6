"""What Slack does with a person's modals: closing one, and applying (or refusing) the app's answer to a submit.

Slack sends ``view_closed`` only for views opened with ``notify_on_close: true``; a submission answered later
than 3 s (or with an error status) is not applied: the modal stays as it was and the person sees an error.
"""

from __future__ import annotations

import json
from typing import Any

from .methods.views import MAX_STACK, new_hash, open_modal, validated_view
from .state import View, Workspace
from .world import SlackApiFailure, SlackWorld

SUBMISSION_FAILED = "We had some trouble connecting. Try again?"  # shown in the modal


def close_modal(ws: Workspace, user_id: str, *, clear: bool, view_id: str | None = None) -> View | None:
    """The person closes the top modal (Cancel: back to the previous view) or, with ``clear``, the whole stack
    (the x). Returns the view they were looking at, or None when nothing (or not ``view_id``) was open."""
    stack = ws.modal_stacks.get(user_id) or []
    if not stack or (view_id is not None and stack[-1] != view_id):
        return None
    top = ws.views[stack[-1]]
    ws.modal_stacks[user_id] = [] if clear or top.spec.get("clear_on_close") else stack[:-1]
    return top


def view_closed_payload(user_id: str, view: View, *, cleared: bool) -> dict[str, Any] | None:
    """The interactivity payload Slack sends for a closed view, or None without ``notify_on_close``."""
    if not view.spec.get("notify_on_close"):
        return None
    return {"type": "view_closed", "user": {"id": user_id}, "view": {"id": view.id}, "is_cleared": cleared}


def refuse_answer(
    world: SlackWorld, ws: Workspace, body: dict[str, Any], reason: str, text: str
) -> dict[str, Any]:
    """Slack gave up on the app's answer: record what the person saw instead."""
    payload = body.get("payload") or {}
    user_id = (payload.get("user") or {}).get("id") or body.get("user_id") or ws.admin_user_id
    shown = {
        "team_id": ws.team_id,
        "user_id": user_id,
        "kind": payload.get("type") or body.get("kind"),
        "view_id": (payload.get("view") or {}).get("id"),
        "command": body.get("command"),
        "reason": reason,
        "text": text,
        "time": world.clock(),
    }
    world.shown_errors.append(shown)
    return {"action": None, "ok": False, "applied": False, "error": reason, "shown": text}


def apply_view_response(
    world: SlackWorld, ws: Workspace, body: dict[str, Any], text: str
) -> dict[str, Any] | None:
    """What Slack does to the user's modal stack after a view_submission is acknowledged in time."""
    payload = body.get("payload") or {}
    if payload.get("type") != "view_submission":
        return None
    user_id = (payload.get("user") or {}).get("id") or body.get("user_id") or ws.admin_user_id
    stack = ws.modal_stacks.get(user_id, [])
    try:
        answer = json.loads(text) if text.strip() else {}
    except ValueError:
        answer = {}
    action = answer.get("response_action") if isinstance(answer, dict) else None
    try:
        if action == "errors":
            if not isinstance(answer.get("errors"), dict) or not answer["errors"]:
                return {"action": "errors", "ok": False, "error": "errors must be a non-empty object"}
            inputs = {b.get("block_id") for b in ws.views[stack[-1]].spec.get("blocks") or []
                      if b.get("type") == "input"}
            unknown = sorted(set(answer["errors"]) - inputs)
            if unknown:  # Slack refuses the answer: errors may only name the view's input blocks
                return {"action": "errors", "ok": False, "error": f"no input block {', '.join(unknown)}"}
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
