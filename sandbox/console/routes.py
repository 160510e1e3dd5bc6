"""The console's routes, mounted on the Slack simulator's app by the sandbox stack: the page and its static
files, a same-origin pass-through to the Meta simulator's control endpoints, the redacted traffic, and a
server-sent event stream that says when either simulator changed."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterable
from pathlib import Path
from typing import Any

import httpx
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from . import traffic
from .traffic import Redactor

CONSOLE_PATH = "/_console"
STATIC = Path(__file__).parent / "static"
# What the page may ask the Meta simulator (a pass-through, so the page stays on one origin)
META_READS = {"state", "messages", "candidates", "conversation", "deliveries"}
META_WRITES = {"inbound", "tap"}
WATCH_SECONDS = 0.15  # how often the change stream looks at both simulators
STREAM_SECONDS = 20.0  # a stream ends after this; EventSource reconnects at once (retry below)
NO_CACHE = {"Cache-Control": "no-store"}


class Console:
    """The console for one sandbox: where the Meta simulator is, which secrets to mask."""

    def __init__(self, meta_url: str, secrets: Iterable[str] = ()):
        self.meta_url = meta_url.rstrip("/")
        self.redact = Redactor(secrets)
        self.closing = asyncio.Event()  # set by the stack when it stops: streams end

    def routes(self) -> list[BaseRoute]:
        """The routes to add to the Slack simulator's app."""
        return [
            Route(CONSOLE_PATH, self.page, methods=["GET"]),
            Route(CONSOLE_PATH + "/", self.page, methods=["GET"]),
            Mount(CONSOLE_PATH + "/static", StaticFiles(directory=STATIC), name="console-static"),
            Route(CONSOLE_PATH + "/workspaces", self.workspaces, methods=["GET"]),
            Route(CONSOLE_PATH + "/meta/{name}", self.meta, methods=["GET", "POST"]),
            Route(CONSOLE_PATH + "/traffic", self.traffic, methods=["GET"]),
            Route(CONSOLE_PATH + "/changes", self.changes, methods=["GET"]),
        ]

    async def page(self, request: Request) -> Response:
        return FileResponse(STATIC / "index.html", headers=NO_CACHE)

    async def workspaces(self, request: Request) -> JSONResponse:
        """Each workspace's name, people and channels, without its token."""
        from sandbox.slack.control import describe_workspace

        world = request.app.state.sim
        out = []
        for ws in world.workspaces.values():
            described = {k: v for k, v in describe_workspace(ws).items() if k != "bot_token"}
            described["people"] = [{"id": u.id, "name": u.real_name, "is_admin": u.is_admin}
                                   for u in ws.users.values() if not u.is_bot]  # fmt: skip
            out.append(described)
        return JSONResponse({"workspaces": out}, headers=NO_CACHE)

    async def _meta(self, method: str, name: str, params: dict[str, str], body: bytes | None = None) -> httpx.Response:
        async with httpx.AsyncClient(timeout=15) as http:
            return await http.request(method, f"{self.meta_url}/_sim/meta/{name}", params=params, content=body,
                                      headers={"content-type": "application/json"} if body else None)

    async def meta(self, request: Request) -> Response:
        """``/_console/meta/{name}``: the Meta simulator's read endpoints, and ``inbound`` (a candidate acts)."""
        name = request.path_params["name"]
        allowed = META_READS if request.method == "GET" else META_WRITES
        if name not in allowed:
            return JSONResponse({"error": f"the console does not pass {request.method} {name} on"}, status_code=404)
        body = await request.body() if request.method == "POST" else None
        answer = await self._meta(request.method, name, dict(request.query_params), body)
        return Response(json.dumps(self.redact(answer.json())), status_code=answer.status_code,
                        media_type="application/json", headers=NO_CACHE)

    async def traffic(self, request: Request) -> JSONResponse:
        """Webhook deliveries, Slack calls and deliveries, every Graph call: the latest of each, redacted."""
        world = request.app.state.sim
        deliveries = (await self._meta("GET", "deliveries", {"limit": str(traffic.SHOWN)})).json()["data"]
        calls = (await self._meta("GET", "graph_calls", {"limit": str(traffic.SHOWN)})).json()["data"]
        sent = (await self._meta("GET", "messages", {})).json()["data"]
        view = {
            "webhooks": traffic.meta_deliveries(deliveries),
            "graph_calls": traffic.graph_calls(calls, sent),
            "slack_calls": traffic.slack_calls(world.calls()),
            "slack_deliveries": traffic.slack_deliveries(world.deliveries),
        }
        return JSONResponse(self.redact(view), headers=NO_CACHE)

    async def _fingerprint(self, request: Request) -> list[Any]:
        world = request.app.state.sim
        slack = [len(world.call_log), len(world.deliveries), len(world.responses)]
        try:
            counts = (await self._meta("GET", "state", {})).json()["counts"]
        except (httpx.HTTPError, ValueError, KeyError):
            counts = None
        return [slack, counts]

    async def changes(self, request: Request) -> StreamingResponse:
        """Server-sent events: one ``change`` each time either simulator's state moved (checked every 0.15 s)."""

        async def stream() -> AsyncIterator[str]:
            yield "retry: 250\n\n"
            last: list[Any] | None = None
            loop = asyncio.get_running_loop()
            ends = loop.time() + STREAM_SECONDS
            while loop.time() < ends and not self.closing.is_set():
                seen = await self._fingerprint(request)
                if seen != last:
                    last = seen
                    yield f"event: change\ndata: {json.dumps(seen)}\n\n"
                try:
                    await asyncio.wait_for(self.closing.wait(), WATCH_SECONDS)
                except TimeoutError:
                    pass

        return StreamingResponse(stream(), media_type="text/event-stream", headers=NO_CACHE)
