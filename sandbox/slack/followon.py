"""Events Slack sends by itself because something happened: the app's own posts, edits and uploads, a person
archiving a channel or removing the bot. Each goes out signed through the outbox, only to an app subscribed
to it (manifest ``bot_events``, ``Realism.bot_events``) that holds the scope the subscription needs, and,
for ``message.*``, only from channels the bot is in (docs.slack.dev/apis/events-api).
"""

from __future__ import annotations

import copy
import json
from typing import Any

from .envelopes import event_envelope
from .sending import Outgoing, send
from .state import Channel, Message, StoredFile, Workspace
from .world import SlackWorld

MESSAGE_SUBSCRIPTIONS = {
    "channel": "message.channels",
    "group": "message.groups",
    "im": "message.im",
    "mpim": "message.mpim",
}
# subscription -> the scopes of which the app needs one (docs.slack.dev/reference/events/...)
SUBSCRIPTION_SCOPES = {
    "message.channels": ("channels:history",),
    "message.groups": ("groups:history",),
    "message.im": ("im:history",),
    "message.mpim": ("mpim:history",),
    "file_shared": ("files:read",),
    "channel_archive": ("channels:read",),
    "channel_unarchive": ("channels:read",),
    "channel_left": ("channels:read",),
    "group_archive": ("groups:read",),
    "group_unarchive": ("groups:read",),
    "group_left": ("groups:read",),
    "member_left_channel": ("channels:read", "groups:read"),
}
REMEMBERED_EVENTS = 10_000  # events kept for byte-identical retries by event_id


def channel_type(channel: Channel) -> str:
    """The ``channel_type`` of message events: channel, group (private) or im."""
    return "im" if channel.is_im else "group" if channel.is_private else "channel"


def subscription_for(event: dict[str, Any]) -> str:
    """The event subscription that delivers ``event`` (message events by the kind of channel)."""
    if event.get("type") == "message":
        return MESSAGE_SUBSCRIPTIONS[str(event.get("channel_type"))]
    return str(event.get("type"))


def remember(world: SlackWorld, out: Outgoing) -> None:
    """Keep an event delivery so a retry (or a test asking for one) can send the same bytes."""
    world.sent_events[str(out.facts["event_id"])] = out
    while len(world.sent_events) > REMEMBERED_EVENTS:
        world.sent_events.pop(next(iter(world.sent_events)))


def emit(world: SlackWorld, ws: Workspace, event: dict[str, Any]) -> str | None:
    """Deliver ``event`` to the app soon, if Slack would; returns its event_id (None when not sent)."""
    url = world.config.relay_events_url
    subscription = subscription_for(event)
    needed = SUBSCRIPTION_SCOPES.get(subscription)
    if (
        not url
        or not ws.active
        or subscription not in world.realism.bot_events
        or (needed and not set(needed) & set(ws.scopes))
    ):
        return None
    event.setdefault("event_ts", world.ts.next())
    envelope = event_envelope(world, ws, event)
    out = Outgoing("event", url, json.dumps(envelope).encode(), "application/json",
                   {"event_id": envelope["event_id"]})
    remember(world, out)

    async def first_attempt() -> None:
        await send(world, out)

    world.outbox.schedule(0.0, first_attempt, blocking_seconds=world.realism.ack_seconds)
    return str(envelope["event_id"])


def _message_event(channel: Channel, body: dict[str, Any]) -> dict[str, Any]:
    event = copy.deepcopy(body)
    event.update({"channel": channel.id, "event_ts": body["ts"], "channel_type": channel_type(channel)})
    return event


def message_posted(world: SlackWorld, ws: Workspace, channel: Channel, message: Message) -> None:
    """A message appeared in a channel (the app's own posts too: they carry its ``bot_id``)."""
    if ws.bot_user_id in channel.members:
        emit(world, ws, _message_event(channel, message.to_api()))


def message_changed(
    world: SlackWorld, ws: Workspace, channel: Channel, before: dict[str, Any], message: Message
) -> None:
    """A message was edited: ``message_changed`` with the new and the previous message."""
    if ws.bot_user_id not in channel.members:
        return
    ts = world.ts.next()
    event = {
        "type": "message",
        "subtype": "message_changed",
        "message": message.to_api(),
        "previous_message": before,
        "channel": channel.id,
        "hidden": True,
        "ts": ts,
        "event_ts": ts,
        "channel_type": channel_type(channel),
    }
    emit(world, ws, event)


def files_shared(
    world: SlackWorld, ws: Workspace, channel: Channel, message: Message, files: list[StoredFile]
) -> None:
    """An upload was shared: the ``file_share`` message, then ``file_shared`` for each file."""
    message_posted(world, ws, channel, message)
    for stored in files:
        event = {
            "type": "file_shared",
            "channel_id": channel.id,
            "file_id": stored.id,
            "user_id": stored.user_id,
            "file": {"id": stored.id},
        }
        emit(world, ws, event)
