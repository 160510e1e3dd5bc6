"""``GET /``: a short index of what the simulator offers (Web API methods, OAuth pages, files, controls)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from .methods import METHODS


def _route_entries(request: Request, prefix: str) -> list[dict[str, object]]:
    entries = []
    for route in request.app.routes:
        if isinstance(route, Route) and route.path.startswith(prefix):
            methods = sorted((route.methods or set()) - {"HEAD"})
            entries.append({"path": route.path, "methods": methods})
    return entries


async def index(request: Request) -> JSONResponse:
    """What this simulated Slack serves, for a person who opens it in a browser."""
    return JSONResponse(
        {
            "simulator": "Slack",
            "docs": "sandbox/slack/README.md",
            "web_api": {"path": "/api/{method}", "methods": sorted(METHODS)},
            "oauth": _route_entries(request, "/oauth/"),
            "files": [e for e in _route_entries(request, "/_sim/slack/") if "/files" in str(e["path"])
                      or "/upload/" in str(e["path"])],
            "controls": [e for e in _route_entries(request, "/_sim/slack/") if "/files" not in str(e["path"])
                         and "/upload/" not in str(e["path"])],
            "settings": request.app.state.sim.realism.to_json(),
        }
    )


ROUTES = [Route("/", index, methods=["GET"])]
