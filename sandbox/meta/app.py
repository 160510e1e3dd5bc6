"""``create_meta_simulator``: the Starlette app serving Graph, the signup pages, and the control endpoints."""

from __future__ import annotations

import re
import time
from collections.abc import Callable

import httpx
from starlette.applications import Starlette
from starlette.convertors import Convertor, register_url_convertor
from starlette.routing import Route

from . import control, graph_accounts, graph_messaging, signup
from .config import MetaSimConfig
from .graph import graph_route, unsupported_path
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


def _routes() -> list[Route]:
    a, m = graph_accounts, graph_messaging
    return [
        Route("/_sim/meta/health", control.health, methods=["GET"]),
        Route("/_sim/meta/inbound", control.inbound_route, methods=["POST"]),
        Route("/_sim/meta/messages", control.sent_messages, methods=["GET"]),
        Route("/_sim/meta/faults", control.faults, methods=["GET", "POST", "DELETE"]),
        Route("/_sim/meta/state", control.state, methods=["GET"]),
        Route("/_sim/meta/seed", control.seed, methods=["POST"]),
        Route("/_sim/meta/wabas/{waba_id}", control.update_waba, methods=["PATCH"]),
        Route("/_sim/meta/signup", signup.popup_page, methods=["GET"]),
        Route("/_sim/meta/signup", signup.headless, methods=["POST"]),
        Route("/_sim/meta/signup/complete", signup.complete, methods=["POST"]),
        Route("/_sim/meta/media/{media_id}", m.media_download, methods=["GET"]),
        Route("/sdk.js", signup.sdk_js, methods=["GET"]),
        Route(V + "/dialog/oauth", signup.dialog_page, methods=["GET"]),
        Route(V + "/oauth/access_token", graph_route("oauth_access_token", a.oauth_access_token), methods=GP),
        Route(V + "/debug_token", graph_route("debug_token", a.debug_token), methods=["GET"]),
        Route(N + "/phone_numbers", graph_route("phone_numbers", a.phone_numbers), methods=["GET"]),
        Route(N + "/subscribed_apps", graph_route("subscribed_apps", a.subscribed_apps), methods=ALL),
        Route(N + "/register", graph_route("register", a.register), methods=["POST"]),
        Route(N + "/deregister", graph_route("deregister", a.deregister), methods=["POST"]),
        Route(N + "/message_templates", graph_route("message_templates", a.message_templates)),
        Route(N + "/messages", graph_route("messages", m.messages), methods=["POST"]),
        Route(N + "/media", graph_route("media_upload", m.media_upload), methods=["POST"]),
        Route(N, graph_route(a.node_endpoint, a.get_node), methods=["GET"]),
        Route(N, graph_route(None, a.post_node), methods=["POST"]),
        Route(N, graph_route("media", m.delete_media), methods=["DELETE"]),
        Route(V + "/{path:path}", graph_route(None, unsupported_path), methods=ALL),
    ]  # fmt: skip


def create_meta_simulator(
    config: MetaSimConfig,
    *,
    webhook_transport: httpx.AsyncBaseTransport | None = None,
    clock: Callable[[], float] = time.time,
) -> Starlette:
    """A strict, in-memory stand-in for Meta's Graph API, Embedded Signup and webhooks (``app.state.sim``)."""
    app = Starlette(routes=_routes())
    app.state.sim = MetaWorld(config, clock)
    app.state.webhook_transport = webhook_transport
    return app
