"""Read-only control endpoints for drawing a workspace as a person sees it: its channels, its people, one
thread (the parent and its replies), a person's open modals and the ephemeral messages of a channel."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from .control import _problem, _world
from .payloads import PayloadError, workspace_of
from .state import Channel


def _channel_summary(channel: Channel) -> dict:
    parents = [m for m in channel.messages.values() if m.body.get("thread_ts") in (None, m.ts)]
    return {
        "id": channel.id,
        "name": channel.name,
        "is_private": channel.is_private,
        "is_im": channel.is_im,
        "is_archived": channel.is_archived,
        "members": list(channel.members),
        "topic": channel.topic,
        "purpose": channel.purpose,
        "messages": len(channel.messages),
        "threads": len(parents),
        "latest_ts": max(channel.messages, default=None),
    }


async def channels(request: Request) -> JSONResponse:
    """``GET /_sim/slack/channels?team_id=``: every channel of a workspace (not DMs), oldest first."""
    try:
        ws = workspace_of(_world(request), dict(request.query_params))
    except PayloadError as exc:
        return JSONResponse({"error": str(exc)}, status_code=404)
    found = [_channel_summary(c) for c in ws.channels.values() if not c.is_im]
    return JSONResponse({"team_id": ws.team_id, "channels": found})


async def users(request: Request) -> JSONResponse:
    """``GET /_sim/slack/users?team_id=``: the workspace's people and bot, as users.info shows them."""
    try:
        ws = workspace_of(_world(request), dict(request.query_params))
    except PayloadError as exc:
        return JSONResponse({"error": str(exc)}, status_code=404)
    return JSONResponse({"team_id": ws.team_id, "users": [u.to_api() for u in ws.users.values()]})


async def replies(request: Request) -> JSONResponse:
    """``GET /_sim/slack/replies?channel=&ts=``: a thread's parent then its replies, oldest first."""
    world = _world(request)
    ts = request.query_params.get("ts", "")
    try:
        channel = world.find_channel(request.query_params.get("channel", ""), request.query_params.get("team_id"))
    except KeyError as exc:
        return _problem(exc, 404)
    parent = channel.messages.get(ts)
    if parent is None:
        return JSONResponse({"error": f"no message {ts!r} in {channel.id}"}, status_code=404)
    thread = [m.to_api() for m in channel.messages.values() if m.ts == ts or m.body.get("thread_ts") == ts]
    return JSONResponse({"channel": channel.id, "thread_ts": ts, "messages": thread})


async def modals(request: Request) -> JSONResponse:
    """``GET /_sim/slack/modals?team_id=&user_id=``: the person's open modals, root first (the top one shows)."""
    try:
        ws = workspace_of(_world(request), dict(request.query_params))
    except PayloadError as exc:
        return JSONResponse({"error": str(exc)}, status_code=404)
    stack = ws.modal_stacks.get(request.query_params.get("user_id", ""), [])
    return JSONResponse({"views": [ws.views[v].to_api() for v in stack if v in ws.views]})


async def ephemeral(request: Request) -> JSONResponse:
    """``GET /_sim/slack/ephemeral?channel=``: messages only one person sees (``shown_to``), oldest first."""
    try:
        found = _world(request).ephemeral_messages(request.query_params.get("channel", ""),
                                                    request.query_params.get("team_id"))
    except KeyError as exc:
        return _problem(exc, 404)
    return JSONResponse({"messages": found})


ROUTES = [
    Route("/_sim/slack/modals", modals, methods=["GET"]),
    Route("/_sim/slack/ephemeral", ephemeral, methods=["GET"]),
    Route("/_sim/slack/channels", channels, methods=["GET"]),
    Route("/_sim/slack/users", users, methods=["GET"]),
    Route("/_sim/slack/replies", replies, methods=["GET"]),
]
