"""Control endpoints for what people (and apps outside the Web API) do in Slack: files they share, messages
sent to response_urls, archiving a channel, removing the bot, closing a modal, errors Slack showed them."""

from __future__ import annotations

import base64
import binascii
import mimetypes
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .blocks import block_errors
from .control import _json, _problem, _world
from .followon import message_posted
from .payloads import RESPONSE_URL_LIFETIME_SECONDS, RESPONSE_URL_USES, PayloadError, workspace_of
from .people import archive_channel, close_modal_as_person, remove_from_channel
from .state import Channel, Message, StoredFile, Workspace


def _channel_of(ws: Workspace, body: dict[str, Any]) -> Channel:
    channel = ws.channels.get(str(body.get("channel") or ""))
    if channel is None:
        raise PayloadError(f"no channel {body.get('channel')!r} in {ws.team_id}", status=404)
    return channel


async def archive(request: Request) -> JSONResponse:
    """A person archives a channel (``"archived": false`` unarchives it)."""
    world = _world(request)
    try:
        body = await _json(request)
        ws = workspace_of(world, body)
        channel = _channel_of(ws, body)
        sent = archive_channel(world, ws, channel, str(body.get("user_id") or ws.admin_user_id),
                               archived=bool(body.get("archived", True)))
    except PayloadError as exc:
        return _problem(exc)
    return JSONResponse({"ok": True, "channel": channel.id, "is_archived": channel.is_archived,
                         "event_ids": sent})


async def remove_member(request: Request) -> JSONResponse:
    """A person removes a member (our bot unless ``member`` says otherwise) from a channel."""
    world = _world(request)
    try:
        body = await _json(request)
        ws = workspace_of(world, body)
        channel = _channel_of(ws, body)
        member = str(body.get("member") or ws.bot_user_id)
        sent = remove_from_channel(world, ws, channel, member, str(body.get("user_id") or ws.admin_user_id))
    except PayloadError as exc:
        return _problem(exc)
    return JSONResponse({"ok": True, "channel": channel.id, "members": channel.members, "event_ids": sent})


async def close_view(request: Request) -> JSONResponse:
    """A person closes their modal: Cancel (the top view) or, with ``"clear": true``, the x (all of them)."""
    world = _world(request)
    try:
        body = await _json(request)
        ws = workspace_of(world, body)
        report = await close_modal_as_person(
            world,
            ws,
            str(body.get("user_id") or ws.admin_user_id),
            clear=bool(body.get("clear", False)),
            view_id=body.get("view_id"),
        )
    except PayloadError as exc:
        return _problem(exc)
    return JSONResponse(report)


async def shown_errors(request: Request) -> JSONResponse:
    """What Slack showed people when the app answered too late or with an error (modals, commands)."""
    return JSONResponse(_world(request).shown_errors)


async def human_file(request: Request) -> JSONResponse:
    """A file a person uploaded into a channel (for file_share message events); returns the file object."""
    world = _world(request)
    try:
        body = await _json(request)
        ws = world.workspace(str(body.get("team_id") or next(iter(world.workspaces))))
        channel = ws.channels[str(body.get("channel") or ws.public_channel_id)]
        content = (
            base64.b64decode(body["content_base64"])
            if "content_base64" in body
            else str(body.get("content", "")).encode()
        )
    except (KeyError, StopIteration, binascii.Error, PayloadError) as exc:
        return _problem(exc)
    name = str(body.get("name") or "photo.jpg")
    stored = StoredFile(
        world.new_id("F"),
        ws.team_id,
        str(body.get("user_id") or ws.member_user_id),
        name,
        int(world.clock()),
        declared_length=len(content),
        title=str(body.get("title") or name),
        mimetype=str(body.get("mimetype") or mimetypes.guess_type(name)[0] or "application/octet-stream"),
        content=content,
        completed=True,
    )
    stored.shares[channel.id] = [{"ts": world.ts.next(), "channel_name": channel.name, "team_id": ws.team_id}]
    ws.files[stored.id] = stored
    return JSONResponse({"file": stored.to_api(world.config.public_url, ws.channels)}, status_code=201)


async def response_url(request: Request) -> Response:
    """The response_url of a command or action: records the message (in_channel ones are posted)."""
    world = _world(request)
    grant = world.response_urls.get(request.path_params["code"])
    if (
        grant is None
        or world.clock() - grant["issued_at"] > RESPONSE_URL_LIFETIME_SECONDS
        or grant["uses"] >= RESPONSE_URL_USES
    ):
        return JSONResponse({"ok": False, "error": "expired_url"}, status_code=404)
    try:
        body = await _json(request)
    except PayloadError:
        return JSONResponse({"ok": False, "error": "invalid_payload"}, status_code=400)
    if "blocks" in body:
        errors = block_errors(body["blocks"], max_blocks=50)
        if errors:
            return JSONResponse(
                {"ok": False, "error": "invalid_blocks", "response_metadata": {"messages": errors}},
                status_code=400,
            )
    if not body.get("text") and not body.get("blocks") and not body.get("delete_original"):
        return JSONResponse({"ok": False, "error": "no_text"}, status_code=400)
    grant["uses"] += 1
    world.responses.append(
        {**body, "channel": grant["channel"], "user": grant["user"], "team_id": grant["team_id"]}
    )
    if body.get("response_type") == "in_channel" and grant["channel"]:
        ws = world.workspace(grant["team_id"])
        channel = ws.channels[grant["channel"]]
        posted = {
            "type": "message",
            "ts": world.ts.next(),
            "user": ws.bot_user_id,
            "bot_id": ws.bot_id,
            "app_id": ws.app_id,
            "text": body.get("text", ""),
            "team": ws.team_id,
            **({"blocks": body["blocks"]} if "blocks" in body else {}),
            **({"thread_ts": body["thread_ts"]} if body.get("thread_ts") else {}),
        }
        message = Message(channel.id, posted)
        channel.messages[posted["ts"]] = message
        message_posted(world, ws, channel, message)
    return JSONResponse({"ok": True})


async def responses(request: Request) -> JSONResponse:
    return JSONResponse(_world(request).responses)


ROUTES = [
    Route("/_sim/slack/human_files", human_file, methods=["POST"]),
    Route("/_sim/slack/response/{code}", response_url, methods=["POST"]),
    Route("/_sim/slack/responses", responses, methods=["GET"]),
    Route("/_sim/slack/channels/archive", archive, methods=["POST"]),
    Route("/_sim/slack/channels/remove", remove_member, methods=["POST"]),
    Route("/_sim/slack/views/close", close_view, methods=["POST"]),
    Route("/_sim/slack/shown_errors", shown_errors, methods=["GET"]),
]
