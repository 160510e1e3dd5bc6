"""The Starlette app factory: Meta webhooks, the connect page, Slack's endpoints (Bolt), health checks."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence

from slack_bolt.async_app import AsyncApp
from starlette.applications import Starlette
from starlette.datastructures import MutableHeaders
from starlette.middleware import Middleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from relay.services import Services
from web.connect.routes import connect_routes
from web.connect.security import transport_security_headers
from web.health import healthz, readyz
from web.slack_edge import SlackEdge
from web.webhooks import receive_events, verify_subscription

log = logging.getLogger("waslack.web")

WEBHOOK_PATH = "/webhooks/whatsapp"


async def client_went_away(request: Request, _exc: Exception) -> Response:
    """A client that hung up mid-body: one line, no traceback, and an answer nobody will read."""
    log.info("client disconnected during %s %s", request.method, request.url.path)
    return Response(status_code=400)


class ExtraHeaders:
    """Adds ``headers`` to every HTTP response that does not set them itself (HSTS on every page)."""

    def __init__(self, app: ASGIApp, headers: dict[str, str]):
        self.app = app
        self.headers = headers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                response_headers = MutableHeaders(scope=message)
                for name, value in self.headers.items():
                    response_headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)


class WebhooksFirst:
    """Meta's POSTs to /webhooks/whatsapp go straight to their endpoint (web/webhooks.py), ahead of
    Starlette's exception middleware and router, which would cost each webhook more CPU than storing it;
    everything else, lifespan included, is the Starlette app's."""

    def __init__(self, app: Starlette, webhooks: ASGIApp):
        self.app = app
        self.webhooks = webhooks

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == WEBHOOK_PATH and scope["method"] == "POST":
            try:
                await self.webhooks(scope, receive, send)
            except ClientDisconnect:  # nobody to answer; Meta sends it again
                log.info("client disconnected during POST %s", WEBHOOK_PATH)
            return
        await self.app(scope, receive, send)


def create_web_app(
    services: Services,
    bolt_app: AsyncApp,
    *,
    on_startup: Sequence[Callable[[], Awaitable[None]]] = (),
    on_shutdown: Sequence[Callable[[], Awaitable[None]]] = (),
) -> WebhooksFirst:
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
        Route(WEBHOOK_PATH, verify_subscription(services), methods=["GET"]),
        # POST WEBHOOK_PATH: WebhooksFirst, in front of this app
        *connect_routes(services),
        *SlackEdge(services, bolt_app).routes(),
    ]
    middleware = []
    hsts = transport_security_headers(services.settings)
    if hsts:
        middleware.append(Middleware(ExtraHeaders, headers=hsts))
    app = Starlette(routes=routes, middleware=middleware, lifespan=lifespan,
                    exception_handlers={ClientDisconnect: client_went_away})
    return WebhooksFirst(app, receive_events(services, headers=hsts))
