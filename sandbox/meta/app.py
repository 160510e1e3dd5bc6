"""``create_meta_simulator``: the Starlette app serving Graph, the signup pages, and the control endpoints."""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
from starlette.applications import Starlette
from starlette.convertors import Convertor, register_url_convertor
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from . import (
    control,
    control_conversation,
    control_delivery,
    control_world,
    graph_accounts,
    graph_messaging,
    index,
    signup,
)
from .call_log import logged
from .config import MetaSimConfig
from .graph import EndpointName, GraphHandler, graph_route, unsupported_path
from .state import MetaWorld


class GraphVersionConvertor(Convertor):
    """``v24.0``-shaped path segments; other versions are rejected by the handler with Meta's error."""

    regex = r"v[0-9]+\.[0-9]+"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        if not re.fullmatch(self.regex, value):
            raise ValueError(f"not a Graph version: {value!r}")
        return value


register_url_convertor("graph_version", GraphVersionConvertor())

V = "/{version:graph_version}"
N = V + "/{node_id}"
ALL = ["GET", "POST", "DELETE"]
GP = ["GET", "POST"]


def _graph(endpoint: EndpointName, handler: GraphHandler) -> Callable[[Request], Awaitable[Response]]:
    """A Graph route: the shared edge (``graph_route``), each call kept in the world's call log."""
    return logged(graph_route(endpoint, handler))


def _routes() -> list[Route]:
    a, m, d, w = graph_accounts, graph_messaging, control_delivery, control_world
    return [
        Route("/", index.index, methods=["GET"]),
        Route("/_sim/meta/health", control.health, methods=["GET"]),
        Route("/_sim/meta/inbound", control.inbound_route, methods=["POST"]),
        Route("/_sim/meta/inbound/sample", control.inbound_sample, methods=["POST"]),
        Route("/_sim/meta/inbound/samples", control.inbound_samples_list, methods=["GET"]),
        Route("/_sim/meta/events", control.account_event, methods=["POST"]),
        Route("/_sim/meta/messages", control.sent_messages, methods=["GET"]),
        Route("/_sim/meta/graph_calls", control.graph_calls, methods=["GET"]),
        Route("/_sim/meta/candidates", control_conversation.candidates, methods=["GET"]),
        Route("/_sim/meta/conversation", control_conversation.conversation, methods=["GET"]),
        Route("/_sim/meta/tap", control_conversation.tap, methods=["POST"]),
        Route("/_sim/meta/faults", control.faults, methods=["GET", "POST", "DELETE"]),
        Route("/_sim/meta/recipient_faults", d.recipient_faults, methods=["GET", "POST", "DELETE"]),
        Route("/_sim/meta/deliveries", d.deliveries, methods=["GET"]),
        Route("/_sim/meta/deliveries/flush", d.flush, methods=["POST"]),
        Route("/_sim/meta/deliveries/{delivery_id}/redeliver", d.redeliver, methods=["POST"]),
        Route("/_sim/meta/settings", d.settings, methods=["GET", "PATCH"]),
        Route("/_sim/meta/wa_ids", d.wa_id_aliases, methods=["GET", "POST"]),
        Route("/_sim/meta/state", w.state, methods=["GET"]),
        Route("/_sim/meta/seed", w.seed, methods=["POST"]),
        Route("/_sim/meta/wabas/{waba_id}", w.update_waba, methods=["PATCH"]),
        Route("/_sim/meta/numbers/{phone_number_id}", w.update_number, methods=["PATCH"]),
        Route("/_sim/meta/signup", signup.popup_page, methods=["GET"]),
        Route("/_sim/meta/signup", signup.headless, methods=["POST"]),
        Route("/_sim/meta/signup/complete", signup.complete, methods=["POST"]),
        Route("/_sim/meta/media/{media_id}", logged(m.media_download), methods=["GET"]),
        Route("/sdk.js", signup.sdk_js, methods=["GET"]),
        Route(V + "/dialog/oauth", signup.dialog_page, methods=["GET"]),
        Route(V + "/oauth/access_token", _graph("oauth_access_token", a.oauth_access_token), methods=GP),
        Route(V + "/debug_token", _graph("debug_token", a.debug_token), methods=["GET"]),
        Route(N + "/phone_numbers", _graph("phone_numbers", a.phone_numbers), methods=["GET"]),
        Route(N + "/subscribed_apps", _graph("subscribed_apps", a.subscribed_apps), methods=ALL),
        Route(N + "/register", _graph("register", a.register), methods=["POST"]),
        Route(N + "/deregister", _graph("deregister", a.deregister), methods=["POST"]),
        Route(N + "/message_templates", _graph("message_templates", a.message_templates)),
        Route(N + "/messages", _graph("messages", m.messages), methods=["POST"]),
        Route(N + "/media", _graph("media_upload", m.media_upload), methods=["POST"]),
        Route(N, _graph(a.node_endpoint, a.get_node), methods=["GET"]),
        Route(N, _graph(None, a.post_node), methods=["POST"]),
        Route(N, _graph("media", m.delete_media), methods=["DELETE"]),
        Route(V + "/{path:path}", _graph(None, unsupported_path), methods=ALL),
    ]  # fmt: skip


@contextlib.asynccontextmanager
async def _lifespan(app: Starlette) -> AsyncIterator[None]:
    """While served, timers fire by themselves (batches, retries, statuses) and webhooks share one client."""
    world: MetaWorld = app.state.sim
    await world.webhooks.start()
    world.scheduler.start()
    try:
        yield
    finally:
        await world.scheduler.stop()
        await world.webhooks.stop()


def create_meta_simulator(
    config: MetaSimConfig,
    *,
    webhook_transport: httpx.AsyncBaseTransport | None = None,
    media_transport: httpx.AsyncBaseTransport | None = None,
    clock: Callable[[], float] = time.time,
) -> Starlette:
    """A strict, in-memory stand-in for Meta's Graph API, Embedded Signup and webhooks (``app.state.sim``).

    ``webhook_transport`` carries webhook POSTs, ``media_transport`` the fetches of media sent by link
    (None: the network). Served with its lifespan, the simulator acts on its own clock; driven in-process
    without it, nothing happens later until ``POST /_sim/meta/deliveries/flush``."""
    app = Starlette(routes=_routes(), lifespan=_lifespan)
    world = MetaWorld(config, clock)
    world.webhooks.transport = webhook_transport
    world.media_transport = media_transport
    app.state.sim = world
    return app
