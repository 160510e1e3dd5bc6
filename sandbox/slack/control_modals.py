"""Control endpoints for a person working in an open modal: typing and picking (``/views/enter``), searching an
external select (``/views/suggest``) and pressing Submit (``/views/submit``). See modal_input.py."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from .control import _json, _problem, _world
from .modal_input import enter, find_element, submit, suggest, top_view
from .payloads import PayloadError, workspace_of
from .state import Workspace
from .world import SlackWorld

Act = Callable[[SlackWorld, Workspace, dict[str, Any]], Awaitable[dict[str, Any]]]


async def _answer(request: Request, act: Act) -> JSONResponse:
    """``act`` on the body's workspace; a payload Slack would refuse gets the simulator's problem answer."""
    world = _world(request)
    try:
        body = await _json(request)
        report = await act(world, workspace_of(world, body), body)
    except PayloadError as exc:
        return _problem(exc)
    return JSONResponse(report)


async def enter_value(request: Request) -> JSONResponse:
    """``{"user_id", "block_id", "action_id"?, "value", "view_id"?, "query"?, "trigger"?}``: the view's state
    changes, and a dispatching element sends block_actions (its delivery is in the answer)."""
    return await _answer(request, enter)


async def suggest_options(request: Request) -> JSONResponse:
    """``{"user_id", "block_id", "action_id"?, "query", "view_id"?}``: what the external select would list."""
    return await _answer(request, _suggest)


async def _suggest(world: SlackWorld, ws: Workspace, body: dict[str, Any]) -> dict[str, Any]:
    user_id = str(body.get("user_id") or ws.admin_user_id)
    view = top_view(ws, user_id, body.get("view_id"))
    block_id = str(body.get("block_id") or "")
    _, element = find_element(view, block_id, body.get("action_id"))
    if element.get("type") != "external_select":
        raise PayloadError(f"{element.get('action_id')!r} is a {element.get('type')}, not an external_select",
                           status=409)
    return await suggest(world, ws, user_id, view, block_id, element["action_id"], str(body.get("query") or ""))


async def submit_view(request: Request) -> JSONResponse:
    """``{"user_id", "view_id"?}``: Submit on the person's top modal; the answer includes ``view_result``."""
    return await _answer(request, submit)


ROUTES = [
    Route("/_sim/slack/views/enter", enter_value, methods=["POST"]),
    Route("/_sim/slack/views/suggest", suggest_options, methods=["POST"]),
    Route("/_sim/slack/views/submit", submit_view, methods=["POST"]),
]
