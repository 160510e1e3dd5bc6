"""What people do in Slack besides talking to the app: archive a channel, remove the bot, close a modal.

Each changes the world and sends what Slack sends the app about it (events only when subscribed, see
followon.py; ``view_closed`` only for views opened with ``notify_on_close``).
"""

from __future__ import annotations

from typing import Any

from .delivery import deliver
from .followon import emit
from .modals import close_modal, view_closed_payload
from .payloads import PayloadError
from .state import Channel, Workspace
from .world import SlackWorld


def archive_channel(
    world: SlackWorld, ws: Workspace, channel: Channel, actor_id: str, *, archived: bool = True
) -> list[str]:
    """Archive (or unarchive) a channel: posting then answers is_archived. Returns the event ids sent."""
    if channel.is_im:
        raise PayloadError("a direct message cannot be archived")
    if channel.is_archived == archived:
        raise PayloadError(f"{channel.id} is {'already' if archived else 'not'} archived", status=409)
    channel.is_archived = archived
    kind = "group" if channel.is_private else "channel"
    event: dict[str, Any] = {"type": f"{kind}_{'archive' if archived else 'unarchive'}", "channel": channel.id,
                             "user": actor_id}
    if archived:
        event["is_moved"] = 0
    if channel.is_private and ws.bot_user_id not in channel.members:
        return []  # the app hears about private channels only from inside
    sent = emit(world, ws, event)
    return [sent] if sent else []


def remove_from_channel(
    world: SlackWorld, ws: Workspace, channel: Channel, member_id: str, actor_id: str
) -> list[str]:
    """Remove someone (by default our bot) from a channel; returns the event ids sent.

    Without the bot a public channel answers not_in_channel, a private one channel_not_found."""
    if member_id not in channel.members:
        raise PayloadError(f"{member_id} is not a member of {channel.id}", status=409)
    bot_was_in = ws.bot_user_id in channel.members
    channel.members.remove(member_id)
    events: list[dict[str, Any]] = []
    if bot_was_in:
        events.append({"type": "member_left_channel", "user": member_id, "channel": channel.id,
                       "channel_type": "G" if channel.is_private else "C", "team": ws.team_id})
    if member_id == ws.bot_user_id:
        kind = "group" if channel.is_private else "channel"
        events.append({"type": f"{kind}_left", "channel": channel.id, "actor_id": actor_id})
    return [sent for sent in (emit(world, ws, event) for event in events) if sent]


async def close_modal_as_person(
    world: SlackWorld, ws: Workspace, user_id: str, *, clear: bool, view_id: str | None = None
) -> dict[str, Any]:
    """The person closes their modal (Cancel, or the x with ``clear``); view_closed goes out if asked for."""
    closed = close_modal(ws, user_id, clear=clear, view_id=view_id)
    if closed is None:
        raise PayloadError(f"{user_id} has no open modal{f' {view_id}' if view_id else ''}", status=409)
    report: dict[str, Any] = {"closed": closed.id, "stack": ws.modal_stacks.get(user_id, []), "delivery": None}
    payload = view_closed_payload(user_id, closed, cleared=clear)
    if payload is not None and world.config.relay_events_url:
        body = {"kind": "interactivity", "team_id": ws.team_id, "payload": payload, "closed": True}
        report["delivery"] = await deliver(world, body)
    return report
