"""The Slack simulator's factory: a Starlette app serving the Web API, OAuth pages, files and controls."""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx
from starlette.applications import Starlette
from starlette.routing import Route

from . import control, files_http, oauth_pages
from .config import SlackSimConfig
from .web import api_method
from .world import SlackWorld


def create_slack_simulator(
    config: SlackSimConfig,
    *,
    relay_transport: httpx.AsyncBaseTransport | None = None,
    clock: Callable[[], float] = time.time,
) -> Starlette:
    """A fresh simulated Slack; ``app.state.sim`` is its world (call ``add_workspace()`` to populate it)."""
    routes = [
        Route("/api/{method}", api_method, methods=["GET", "POST"]),
        *oauth_pages.ROUTES,
        *files_http.ROUTES,
        *control.ROUTES,
    ]
    app = Starlette(routes=routes)
    app.state.sim = SlackWorld(config, clock)
    app.state.relay_transport = relay_transport
    return app
