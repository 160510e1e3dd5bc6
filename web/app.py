"""The Starlette app factory: Meta webhooks, the connect page, Slack's endpoints (Bolt), health checks."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence

from slack_bolt.async_app import AsyncApp
from starlette.applications import Starlette
from starlette.routing import BaseRoute, Route

from relay.services import Services
from web.connect.routes import connect_routes
from web.health import healthz, readyz
from web.slack_edge import SlackEdge
from web.webhooks import receive_events, verify_subscription


def create_web_app(
    services: Services,
    bolt_app: AsyncApp,
    *,
    on_startup: Sequence[Callable[[], Awaitable[None]]] = (),
    on_shutdown: Sequence[Callable[[], Awaitable[None]]] = (),
) -> Starlette:
    """Every HTTP entry of the relay; Meta, Slack and browsers all arrive here."""

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        for hook in on_startup:
            await hook()
        try:
            yield
        finally:
            for hook in on_shutdown:
                await hook()

    routes: list[BaseRoute] = [
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz(services), methods=["GET"]),
        Route("/webhooks/whatsapp", verify_subscription(services), methods=["GET"]),
        Route("/webhooks/whatsapp", receive_events(services), methods=["POST"]),
        *connect_routes(services),
        *SlackEdge(services, bolt_app).routes(),
    ]
    return Starlette(routes=routes, lifespan=lifespan)
