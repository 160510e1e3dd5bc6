"""Control endpoints under ``/_sim/slack/``: drive the world from tests, the demo and benchmarks."""

from __future__ import annotations

import base64
import binascii
import mimetypes
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .blocks import block_errors
from .delivery import deliver
from .faults import Fault
from .payloads import RESPONSE_URL_LIFETIME_SECONDS, RESPONSE_URL_USES, PayloadError
from .state import Message, StoredFile, Workspace
from .world import SlackWorld


def _world(request: Request) -> SlackWorld:
    return request.app.state.sim


async def _json(request: Request) -> dict[str, Any]:
    try:
        body = await request.json() if await request.body() else {}
    except ValueError:
        raise PayloadError("body must be JSON") from None
    if not isinstance(body, dict):
        raise PayloadError("body must be a JSON object")
    return body


def _problem(exc: Exception, status: int = 400) -> JSONResponse:
    return JSONResponse({"error": str(exc)}, status_code=getattr(exc, "status", status))


def describe_workspace(ws: Workspace) -> dict[str, Any]:
    """Ids and token of a workspace, for tests and the demo."""
    return {
        "team_id": ws.team_id,
        "name": ws.name,
        "domain": ws.domain,
        "bot_token": ws.bot_token,
        "bot_user_id": ws.bot_user_id,
        "bot_id": ws.bot_id,
        "app_id": ws.app_id,
        "active": ws.active,
        "scopes": list(ws.scopes),
        "users": {"admin": ws.admin_user_id, "owner": ws.owner_user_id, "member": ws.member_user_id},
        "channels": {
            "public": ws.public_channel_id,
            "nobot": ws.nobot_channel_id,
            "private": ws.private_channel_id,
        },
    }


async def health(request: Request) -> JSONResponse:
    return JSONResponse({"ok": True})


async def calls(request: Request) -> JSONResponse:
    world = _world(request)
    if request.method == "DELETE":
        world.call_log.clear()
        return JSONResponse({"ok": True})
    return JSONResponse(world.calls(request.query_params.get("method")))


async def event(request: Request) -> JSONResponse:
    try:
        result = await deliver(_world(request), await _json(request), request.app.state.relay_transport)
    except PayloadError as exc:
        return _problem(exc)
    return JSONResponse(result)


async def faults(request: Request) -> JSONResponse:
    world = _world(request)
    if request.method == "DELETE":
        world.faults.clear()
    elif request.method == "POST":
        try:
            world.faults.add(Fault.from_json(await _json(request)))
        except (ValueError, TypeError) as exc:
            return _problem(exc)
    return JSONResponse({"pending": [f.to_json() for f in world.faults.pending]})


async def rate_limits(request: Request) -> JSONResponse:
    limiter = _world(request).rate_limits
    if request.method == "POST":
        try:
            return JSONResponse(limiter.configure(await _json(request)))
        except (ValueError, TypeError) as exc:
            return _problem(exc)
    return JSONResponse(limiter.describe())


async def workspaces(request: Request) -> JSONResponse:
    world = _world(request)
    if request.method == "GET":
        return JSONResponse([describe_workspace(ws) for ws in world.workspaces.values()])
    try:
        body = await _json(request)
        team_id = str(body.get("team_id") or world.new_id("T"))
        ws = world.add_workspace(
            team_id,
            str(body.get("name") or f"Workspace {team_id}"),
            str(body.get("domain") or team_id.lower()),
            scopes=body.get("scopes"),
        )
    except ValueError as exc:
        return _problem(exc, 409)
    return JSONResponse(describe_workspace(ws), status_code=201)


async def uninstall(request: Request) -> JSONResponse:
    """Revoke a workspace's token; by default also deliver app_uninstalled and tokens_revoked like Slack."""
    world = _world(request)
    try:
        body = await _json(request)
        ws = world.uninstall(str(body.get("team_id") or next(iter(world.workspaces))))
    except (KeyError, StopIteration, PayloadError) as exc:
        return _problem(exc, 404)
    results = []
    if body.get("deliver", True) and world.config.relay_events_url:
        events = [
            {"type": "app_uninstalled"},
            {"type": "tokens_revoked", "tokens": {"oauth": [], "bot": [ws.bot_user_id]}},
        ]
        for item in events:
            delivery = {"kind": "event", "team_id": ws.team_id, "event": item}
            results.append(await deliver(world, delivery, request.app.state.relay_transport))
    return JSONResponse({"ok": True, "team_id": ws.team_id, "deliveries": results})


async def messages(request: Request) -> JSONResponse:
    world = _world(request)
    channel = request.query_params.get("channel", "")
    try:
        found = world.messages(channel, request.query_params.get("team_id"))
    except KeyError as exc:
        return _problem(exc, 404)
    return JSONResponse(found)


async def home(request: Request) -> JSONResponse:
    world = _world(request)
    try:
        view = world.latest_home_view(request.query_params["team_id"], request.query_params["user_id"])
    except KeyError as exc:
        return _problem(exc, 404)
    return JSONResponse({"view": view})


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
        channel.messages[posted["ts"]] = Message(channel.id, posted)
    return JSONResponse({"ok": True})


async def responses(request: Request) -> JSONResponse:
    return JSONResponse(_world(request).responses)


async def deliveries(request: Request) -> JSONResponse:
    """Every request /_sim/slack/event sent (headers, body) with the relay's answer."""
    return JSONResponse(_world(request).deliveries)


ROUTES = [
    Route("/_sim/slack/health", health, methods=["GET"]),
    Route("/_sim/slack/calls", calls, methods=["GET", "DELETE"]),
    Route("/_sim/slack/event", event, methods=["POST"]),
    Route("/_sim/slack/faults", faults, methods=["GET", "POST", "DELETE"]),
    Route("/_sim/slack/rate_limits", rate_limits, methods=["GET", "POST"]),
    Route("/_sim/slack/workspaces", workspaces, methods=["GET", "POST"]),
    Route("/_sim/slack/uninstall", uninstall, methods=["POST"]),
    Route("/_sim/slack/messages", messages, methods=["GET"]),
    Route("/_sim/slack/home", home, methods=["GET"]),
    Route("/_sim/slack/human_files", human_file, methods=["POST"]),
    Route("/_sim/slack/response/{code}", response_url, methods=["POST"]),
    Route("/_sim/slack/responses", responses, methods=["GET"]),
    Route("/_sim/slack/deliveries", deliveries, methods=["GET"]),
]
