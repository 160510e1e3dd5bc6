"""Control endpoints under ``/_sim/slack/``: drive the world from tests, the demo and benchmarks."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from .delivery import deliver
from .faults import Fault
from .payloads import PayloadError
from .state import Workspace
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
        result = await deliver(_world(request), await _json(request))
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


# The older rate_limits body names -> settings (POST /_sim/slack/settings takes every knob)
RATE_LIMIT_NAMES = {
    "enabled": "rate_limits",
    "per_channel_per_second": "posts_per_second",
    "burst": "post_burst",
    "tiers": "tiers",
    "per_workspace_per_minute": "posts_per_minute",
    "time_scale": "time_scale",
    "marketplace_app": "marketplace_app",
}


async def settings(request: Request) -> JSONResponse:
    """How Slack-like the simulator is (Realism); POST changes the fields given."""
    world = _world(request)
    if request.method == "POST":
        try:
            world.change_realism(await _json(request))
        except (ValueError, TypeError) as exc:
            return _problem(exc)
    return JSONResponse(world.realism.to_json())


def _rate_limit_view(world: SlackWorld) -> dict[str, Any]:
    current = world.realism.to_json()
    return {old: current[new] for old, new in RATE_LIMIT_NAMES.items()}


async def rate_limits(request: Request) -> JSONResponse:
    """The rate-limit part of the settings, under the names this endpoint always had."""
    world = _world(request)
    if request.method == "POST":
        try:
            body = await _json(request)
            unknown = set(body) - set(RATE_LIMIT_NAMES)
            if unknown:
                raise ValueError(f"unknown field(s) {', '.join(sorted(unknown))}")
            world.change_realism({RATE_LIMIT_NAMES[k]: v for k, v in body.items()})
        except (ValueError, TypeError) as exc:
            return _problem(exc)
    return JSONResponse(_rate_limit_view(world))


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
            results.append(await deliver(world, delivery))
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


async def deliveries(request: Request) -> JSONResponse:
    """Every attempt Slack made (headers, body, the app's answer), oldest first; ``?event_id=`` narrows it."""
    world = _world(request)
    event_id = request.query_params.get("event_id")
    return JSONResponse([d for d in world.deliveries if event_id in (None, d.get("event_id"))])


ROUTES = [
    Route("/_sim/slack/health", health, methods=["GET"]),
    Route("/_sim/slack/calls", calls, methods=["GET", "DELETE"]),
    Route("/_sim/slack/event", event, methods=["POST"]),
    Route("/_sim/slack/faults", faults, methods=["GET", "POST", "DELETE"]),
    Route("/_sim/slack/rate_limits", rate_limits, methods=["GET", "POST"]),
    Route("/_sim/slack/settings", settings, methods=["GET", "POST"]),
    Route("/_sim/slack/workspaces", workspaces, methods=["GET", "POST"]),
    Route("/_sim/slack/uninstall", uninstall, methods=["POST"]),
    Route("/_sim/slack/messages", messages, methods=["GET"]),
    Route("/_sim/slack/home", home, methods=["GET"]),
    Route("/_sim/slack/deliveries", deliveries, methods=["GET"]),
]
