"""Request bodies Slack sends to an app: Events API envelopes, slash commands, interactivity payloads.

Each builder takes the control request's JSON and returns (raw body, content type, facts for the caller).
"""

from __future__ import annotations

import copy
import json
from typing import Any
from urllib.parse import urlencode

from .envelopes import VERIFICATION_TOKEN, event_envelope
from .ids import random_code, slack_id
from .modals import close_modal
from .state import Channel, Message, Workspace
from .world import SlackWorld

RESPONSE_URL_LIFETIME_SECONDS = 30 * 60
RESPONSE_URL_USES = 5
TRIGGERING_INTERACTIONS = {"block_actions", "shortcut", "message_action", "view_submission"}


class PayloadError(ValueError):
    """The control request cannot become something Slack would send (HTTP 400/409 for the caller)."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


def workspace_of(world: SlackWorld, body: dict[str, Any]) -> Workspace:
    team_id = body.get("team_id") or next(iter(world.workspaces), None)
    if team_id not in world.workspaces:
        raise PayloadError(f"no workspace {team_id!r}; create one with POST /_sim/slack/workspaces")
    return world.workspaces[team_id]


def _person(ws: Workspace, user_id: str) -> dict[str, Any]:
    user = ws.users.get(user_id)
    if user is None:
        raise PayloadError(f"no user {user_id!r} in {ws.team_id}")
    return {"id": user.id, "username": user.name, "name": user.name, "team_id": ws.team_id}


def _channel(ws: Workspace, channel_id: str | None) -> Channel:
    channel = ws.channels.get(channel_id or "")
    if channel is None:
        raise PayloadError(f"no channel {channel_id!r} in {ws.team_id}")
    return channel


def _issue_response_url(world: SlackWorld, ws: Workspace, channel_id: str | None, user_id: str) -> str:
    code = random_code()
    world.response_urls[code] = {
        "team_id": ws.team_id,
        "channel": channel_id,
        "user": user_id,
        "issued_at": world.clock(),
        "uses": 0,
    }
    return f"{world.config.public_url}/_sim/slack/response/{code}"


# ---- Events API --------------------------------------------------------------------------


def _fill_message_event(world: SlackWorld, ws: Workspace, event: dict[str, Any], force: bool) -> None:
    """Complete a message event and store it, so later calls (reactions, permalinks) find the message."""
    channel = _channel(ws, event.get("channel"))
    if ws.bot_user_id not in channel.members and not force:
        raise PayloadError(
            f"Slack sends message events only from channels the bot is in; {channel.id} is not "
            'one (pass "force": true to send it anyway)',
            status=409,
        )
    event.setdefault("ts", event["event_ts"])
    event.setdefault("team", ws.team_id)
    event.setdefault("channel_type", "im" if channel.is_im else "group" if channel.is_private else "channel")
    subtype = event.get("subtype")
    if subtype == "message_changed" and isinstance(event.get("message"), dict):
        stored = channel.messages.get(str(event["message"].get("ts")))
        if stored is not None:
            stored.body.update(copy.deepcopy(event["message"]))
    elif subtype == "message_deleted":
        channel.messages.pop(str(event.get("deleted_ts")), None)
    else:
        body = {k: v for k, v in event.items() if k not in ("channel", "event_ts", "channel_type")}
        channel.messages[str(event["ts"])] = Message(channel.id, body)


def build_event(world: SlackWorld, body: dict[str, Any]) -> tuple[bytes, str, dict[str, Any]]:
    ws = workspace_of(world, body)
    event = copy.deepcopy(body.get("event"))
    if not isinstance(event, dict) or not event.get("type"):
        raise PayloadError("event must be an object with a type")
    if not ws.active and event["type"] not in ("app_uninstalled", "tokens_revoked"):
        raise PayloadError(f"our app is uninstalled from {ws.team_id}: Slack sends it no events", status=409)
    event.setdefault("event_ts", world.ts.next())
    if event["type"] == "message":
        _fill_message_event(world, ws, event, bool(body.get("force")))
    elif event["type"] == "app_home_opened":
        user = ws.users.get(str(event.get("user")))
        if user is None:
            raise PayloadError("app_home_opened needs the user who opened the Home tab")
        event.setdefault("tab", "home")
        event.setdefault(
            "channel",
            next((c.id for c in ws.channels.values() if c.is_im and c.im_user == user.id), slack_id("D")),
        )
        latest = world.latest_home_view(ws.team_id, user.id)
        if latest is not None:
            event.setdefault("view", latest)
    envelope = event_envelope(world, ws, event, body.get("event_id"))
    return json.dumps(envelope).encode(), "application/json", {"event_id": envelope["event_id"]}


def build_url_verification(world: SlackWorld, body: dict[str, Any]) -> tuple[bytes, str, dict[str, Any]]:
    challenge = str(body.get("challenge") or random_code())
    payload = {"token": VERIFICATION_TOKEN, "challenge": challenge, "type": "url_verification"}
    return json.dumps(payload).encode(), "application/json", {"challenge": challenge}


# ---- slash commands ----------------------------------------------------------------------


def build_command(world: SlackWorld, body: dict[str, Any]) -> tuple[bytes, str, dict[str, Any]]:
    ws = workspace_of(world, body)
    user = _person(ws, str(body.get("user_id") or ws.admin_user_id))
    channel = _channel(ws, body.get("channel_id") or ws.public_channel_id)
    command = str(body.get("command") or "")
    if not command.startswith("/"):
        raise PayloadError("command must start with /")
    visible = not channel.is_private or ws.bot_user_id in channel.members
    trigger = world.issue_trigger(ws.team_id, user["id"])
    form = {
        "token": VERIFICATION_TOKEN,
        "team_id": ws.team_id,
        "team_domain": ws.domain,
        "channel_id": channel.id,
        "channel_name": ("directmessage" if channel.is_im else channel.name if visible else "privategroup"),
        "user_id": user["id"],
        "user_name": user["name"],
        "command": command,
        "text": str(body.get("text", "")),
        "api_app_id": ws.app_id,
        "is_enterprise_install": "false",
        "response_url": _issue_response_url(world, ws, channel.id, user["id"]),
        "trigger_id": trigger,
    }
    return (
        urlencode(form).encode(),
        "application/x-www-form-urlencoded",
        {"trigger_id": trigger, "response_url": form["response_url"]},
    )


# ---- interactivity -----------------------------------------------------------------------


def _current_view(world: SlackWorld, ws: Workspace, user_id: str, given: dict[str, Any]) -> dict[str, Any]:
    """The stored view the interaction happened in, with the submitted state merged in."""
    view_id = given.get("id")
    if not view_id:
        stack = ws.modal_stacks.get(user_id) or []
        view_id = stack[-1] if stack else None
    stored = ws.views.get(view_id or "")
    if stored is None:
        return given
    state = given.get("state", {}).get("values")
    if isinstance(state, dict):
        stored.state_values = copy.deepcopy(state)
    return {**stored.to_api(), **{k: v for k, v in given.items() if k != "state"}}


def _close_for_view_closed(ws: Workspace, user_id: str, payload: dict[str, Any], body: dict[str, Any]) -> None:
    """A view_closed request means the person closed the view: close it, if Slack would tell the app."""
    view = ws.views.get(str(payload["view"].get("id") or ""))
    if not body.get("force") and (view is None or not view.spec.get("notify_on_close")):
        raise PayloadError(
            "Slack sends view_closed only for views opened with notify_on_close: true "
            '(POST /_sim/slack/views/close closes a modal as the person; "force": true sends it anyway)',
            status=409,
        )
    payload.setdefault("is_cleared", False)
    if view is not None and not body.get("closed"):
        close_modal(ws, user_id, clear=bool(payload["is_cleared"]), view_id=view.id)


def build_interactivity(world: SlackWorld, body: dict[str, Any]) -> tuple[bytes, str, dict[str, Any]]:
    ws = workspace_of(world, body)
    payload = copy.deepcopy(body.get("payload"))
    if not isinstance(payload, dict) or not payload.get("type"):
        raise PayloadError("payload must be an object with a type")
    raw_user = payload.get("user")
    given_user: dict[str, Any] = raw_user if isinstance(raw_user, dict) else {}
    user = _person(ws, str(given_user.get("id") or body.get("user_id") or ws.admin_user_id))
    payload["user"] = {**user, **given_user}
    payload.setdefault("team", {"id": ws.team_id, "domain": ws.domain})
    payload.setdefault("api_app_id", ws.app_id)
    payload.setdefault("token", VERIFICATION_TOKEN)
    payload.setdefault("is_enterprise_install", False)
    payload.setdefault("enterprise", None)
    facts: dict[str, Any] = {}
    kind = payload["type"]
    if kind in TRIGGERING_INTERACTIONS and "trigger_id" not in payload:
        payload["trigger_id"] = world.issue_trigger(ws.team_id, user["id"])
    if "trigger_id" in payload:
        facts["trigger_id"] = payload["trigger_id"]
    if isinstance(payload.get("view"), dict) or kind in ("view_submission", "view_closed"):
        payload["view"] = _current_view(world, ws, user["id"], payload.get("view") or {})
        facts["view_id"] = payload["view"].get("id")
    if kind == "view_submission":
        payload.setdefault("response_urls", [])
    if kind == "view_closed":
        _close_for_view_closed(ws, user["id"], payload, body)
    channel = payload.get("channel")
    channel_id = channel.get("id") if isinstance(channel, dict) else None
    given_message = payload.get("message")
    message = given_message if isinstance(given_message, dict) else None
    if channel_id and message and message.get("ts"):
        stored = ws.channels.get(channel_id)
        found = stored.messages.get(str(message["ts"])) if stored else None
        if found is not None:
            payload["message"] = {**found.to_api(), **message}
    if kind in ("block_actions", "message_action") and channel_id and "response_url" not in payload:
        payload["response_url"] = _issue_response_url(world, ws, channel_id, user["id"])
    raw = urlencode({"payload": json.dumps(payload)}).encode()
    return raw, "application/x-www-form-urlencoded", facts


BUILDERS = {
    "event": build_event,
    "command": build_command,
    "interactivity": build_interactivity,
    "url_verification": build_url_verification,
}
