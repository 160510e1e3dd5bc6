"""The Slack simulator's factory: a Starlette app serving the Web API, OAuth pages, files and controls."""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator, Callable

import httpx
from starlette.applications import Starlette
from starlette.routing import Route

from . import control, control_modals, control_people, control_views, files_http, index, oauth_pages
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
    world = SlackWorld(config, clock, relay_transport)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        await world.outbox.aclose()  # pending deliveries and retries end with the server

    routes = [
        *index.ROUTES,
        Route("/api/{method}", api_method, methods=["GET", "POST"]),
        *oauth_pages.ROUTES,
        *files_http.ROUTES,
        *control.ROUTES,
        *control_people.ROUTES,
        *control_views.ROUTES,
        *control_modals.ROUTES,
    ]
    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.sim = world
    app.state.relay_transport = relay_transport
    return app
