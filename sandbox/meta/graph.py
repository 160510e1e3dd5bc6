"""The edge every Graph route shares: version check, injected faults, token lookup, body parsing, errors."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from .errors import MetaError, invalid_parameter, unsupported
from .faults import apply_fault
from .state import MetaWorld, Token

GraphHandler = Callable[[Request, MetaWorld], Awaitable[Response]]
EndpointName = str | Callable[[Request, MetaWorld], str | None] | None


def world_of(request: Request) -> MetaWorld:
    return request.app.state.sim


def access_token(request: Request) -> str | None:
    """The request's token: ``Authorization: Bearer|OAuth <token>``, else the ``access_token`` parameter."""
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() in ("bearer", "oauth") and value.strip():
        return value.strip()
    return request.query_params.get("access_token")


def authenticate(request: Request, world: MetaWorld) -> Token:
    """The token behind the request (104 when there is none, 190 when it is not valid)."""
    return world.authenticate(access_token(request))


async def json_body(request: Request, *, empty: object = None) -> object:
    """The JSON body (``empty`` when there is none); form bodies are read too, as Graph accepts both."""
    raw = await request.body()
    if not raw.strip():
        return empty
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("application/x-www-form-urlencoded"):
        form = await request.form()
        return {k: v for k, v in form.items() if k != "access_token"}
    try:
        return json.loads(raw)
    except ValueError as exc:
        raise invalid_parameter("The request body is not valid JSON.") from exc


def unknown_version(version: str, served: str) -> MetaError:
    return MetaError(
        100,
        f"(#100) Unknown Graph API version {version}: this endpoint serves {served}.",
        details=f"Call /{served}/... instead of /{version}/...",
    )


def graph_route(endpoint: EndpointName, handler: GraphHandler) -> Callable[[Request], Awaitable[Response]]:
    """Wrap a handler with what every Graph call goes through, in Graph's order."""

    async def route(request: Request) -> Response:
        world = world_of(request)
        headers: dict[str, str] = {}
        try:
            version = request.path_params.get("version")
            if version != world.config.api_version:
                raise unknown_version(str(version), world.config.api_version)
            name = endpoint(request, world) if callable(endpoint) else endpoint
            if name is not None:
                object_id = request.path_params.get("node_id") or world.config.app_id
                early, headers = await apply_fault(world.faults.take(name), object_id)
                if early is not None:
                    return early
            response = await handler(request, world)
        except MetaError as error:
            return error.response(headers)
        response.headers.update(headers)
        return response

    return route


def ok(body: object) -> JSONResponse:
    return JSONResponse(body)


async def unsupported_path(request: Request, world: MetaWorld) -> Response:
    """Anything the simulator does not serve answers like an unknown Graph object (100/33)."""
    authenticate(request, world)
    parts = request.url.path.strip("/").split("/")
    raise unsupported(request.method, parts[1] if len(parts) > 1 else request.url.path)
