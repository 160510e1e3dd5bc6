"""One readable line per thing that happens: a number connected, a webhook received, a post to Slack.

They go to the ``waslack.activity`` logger at INFO (the sandbox shows them on its terminal, `waslack serve`
with its other INFO lines when LOG_ACTIVITY=on). Off, they cost nothing: no line is described, and the Slack
session gets no trace (which re-reads every answer's body). They name only ids, our own display numbers and
channel names: never a token, a candidate's number or a message's text.
"""

from __future__ import annotations

import json
import logging
from collections import Counter, OrderedDict
from types import SimpleNamespace
from typing import Any

import aiohttp

log = logging.getLogger("waslack.activity")

# Slack Web API methods worth a line, and how to word a success
SLACK_POSTS = {
    "chat.postMessage": "posted a message to {channel}",
    "chat.update": "updated a message in {channel}",
    "chat.postEphemeral": "showed a note in {channel}",
    "files.completeUploadExternal": "shared a file",
    "conversations.create": "created {channel}",
}
_KNOWN_CHANNELS = 1024
_channel_names: OrderedDict[str, str] = OrderedDict()


def _remember_channel(channel: Any) -> None:
    if isinstance(channel, dict) and isinstance(channel.get("id"), str) and isinstance(channel.get("name"), str):
        _channel_names[channel["id"]] = channel["name"]
        _channel_names.move_to_end(channel["id"])
        while len(_channel_names) > _KNOWN_CHANNELS:
            _channel_names.popitem(last=False)


def channel_label(channel_id: str | None) -> str:
    """``#name`` when this process has seen the channel's name, else its id (a DM says so)."""
    if not channel_id:
        return "no channel yet"
    name = _channel_names.get(channel_id)
    if name:
        return f"#{name}"
    return f"the direct message {channel_id}" if channel_id.startswith("D") else channel_id


def enabled() -> bool:
    return log.isEnabledFor(logging.INFO)


def number_connected(display_phone_number: str | None, phone_number_id: str, channel_id: str | None,
                     team_id: str) -> None:
    """``connect  +1 555 0100 → #whatsapp-5550100 (T0123)``."""
    log.info("connect  %s → %s (%s)", display_phone_number or phone_number_id, channel_label(channel_id), team_id)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}es" if word.endswith("s") else f"{count} {word}s"


def _describe_change(change: dict[str, Any]) -> str:
    field = str(change.get("field"))
    value = change.get("value") if isinstance(change.get("value"), dict) else {}
    if field != "messages":
        return field
    metadata = value.get("metadata") if isinstance(value.get("metadata"), dict) else {}
    number = metadata.get("display_phone_number") or metadata.get("phone_number_id") or "?"
    parts = []
    messages = value.get("messages") if isinstance(value.get("messages"), list) else []
    if messages:
        parts.append(_plural(len(messages), "message"))
    statuses = value.get("statuses") if isinstance(value.get("statuses"), list) else []
    if statuses:
        kinds = Counter(str(s.get("status")) for s in statuses if isinstance(s, dict))
        parts.append(f"{_plural(len(statuses), 'status')} ({', '.join(sorted(kinds))})")
    return f"messages for {number}: {', '.join(parts) or 'nothing'}"


def webhook_received(payload: dict[str, Any]) -> None:
    """``webhook  messages for +1 555 0100: 1 message`` (one line per POST, whatever it batches)."""
    if not enabled():
        return
    changes = [c for e in payload.get("entry") or [] if isinstance(e, dict)
               for c in (e.get("changes") or []) if isinstance(c, dict)]
    log.info("webhook  %s", "; ".join(_describe_change(c) for c in changes) or "no changes")


def slack_answered(method: str, body: dict[str, Any]) -> None:
    """``slack    posted a message to D0123`` or ``slack    chat.postMessage failed: channel_not_found``."""
    _remember_channel(body.get("channel"))
    if method not in SLACK_POSTS:
        return
    if not body.get("ok"):
        log.info("slack    %s failed: %s", method, body.get("error", "unknown error"))
        return
    channel = body.get("channel")
    channel_id = channel.get("id") if isinstance(channel, dict) else channel
    log.info("slack    %s", SLACK_POSTS[method].format(channel=channel_label(channel_id)))


async def _on_slack_response(_session: aiohttp.ClientSession, _context: SimpleNamespace,
                             params: aiohttp.TraceRequestEndParams) -> None:
    method = params.url.path.rsplit("/", 1)[-1]
    if method not in SLACK_POSTS and method != "conversations.info":
        return
    try:
        body = json.loads(await params.response.read())  # aiohttp keeps the body for slack_sdk's own read
    except (ValueError, aiohttp.ClientError):
        return
    if isinstance(body, dict):
        slack_answered(method, body)


def slack_activity_trace() -> aiohttp.TraceConfig:
    """An aiohttp trace for the session every Slack Web API client shares (Bolt's included), when the lines
    are written (``enabled()``)."""
    trace = aiohttp.TraceConfig()
    trace.on_request_end.append(_on_slack_response)
    return trace
