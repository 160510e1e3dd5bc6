"""Slack's endpoints, bounded, in front of Bolt.

``POST /slack/events``: the body is read with a cap, the v0 signature is checked on the raw bytes, and the
payload is parsed with a nesting bound, all before Bolt sees anything; Bolt then gets those verified bytes
(and checks the signature again). ``GET /slack/install`` and ``/slack/oauth_redirect`` are rate-limited per
client. Whatever arrives, the answer is a short 4xx or Bolt's own; never a 5xx or a traceback.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qsl

from slack_bolt.adapter.starlette.async_handler import to_async_bolt_request, to_starlette_response
from slack_bolt.async_app import AsyncApp
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from bot.app import EVENTS_PATH, INSTALL_PATH, REDIRECT_PATH
from bot.listeners.replies import no_listener_acts_on
from relay.services import Services
from web.rate_limits import SharedRateLimit, client_address, retry_after_header
from web.request_body import UnreadableJSON, loads_bounded, read_limited

log = logging.getLogger("waslack.slack.edge")

# Slack's payloads are kilobytes (a modal submission with many blocks stays far below this).
MAX_SLACK_BODY_BYTES = 1024 * 1024
# Slack's rule (and slack_sdk's): a request signed more than five minutes away from our clock is a replay.
MAX_CLOCK_SKEW_SECONDS = 5 * 60
MAX_TIMESTAMP_DIGITS = 12
# Each /slack/install stores an OAuth state row: a person installs once, a script should not fill the table.
INSTALLS_PER_MINUTE = 10
REDIRECTS_PER_MINUTE = 10

# With it uvicorn closes the connection after the 413 instead of reading (and discarding) the rest.
CLOSE_CONNECTION = {"Connection": "close"}

Endpoint = Callable[[Request], Awaitable[Response]]


class SlackRequestRefused(Exception):
    """The request is not Slack's or not usable: answer ``status`` with ``error``."""

    def __init__(self, status: int, error: str, headers: dict[str, str] | None = None):
        super().__init__(error)
        self.status = status
        self.error = error
        self.headers = headers


def verify_slack_signature(raw: bytes, timestamp: str | None, signature: str | None, signing_secret: str,
                           now: float) -> None:
    """Slack's v0 scheme on the raw bytes: HMAC-SHA256 of ``v0:{timestamp}:{body}``, compared in constant
    time. SlackRequestRefused: 400 for a timestamp that is not an integer, 401 for a stale or bad signature."""
    if timestamp is None or signature is None:
        raise SlackRequestRefused(401, "missing X-Slack-Signature or X-Slack-Request-Timestamp")
    if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= MAX_TIMESTAMP_DIGITS):
        raise SlackRequestRefused(400, "X-Slack-Request-Timestamp is not an integer")
    if abs(now - int(timestamp)) > MAX_CLOCK_SKEW_SECONDS:
        raise SlackRequestRefused(401, "stale X-Slack-Request-Timestamp")
    base = b"v0:" + timestamp.encode() + b":" + raw
    expected = b"v0=" + hmac.new(signing_secret.encode(), base, hashlib.sha256).hexdigest().encode()
    if not hmac.compare_digest(expected, signature.encode("latin-1")):
        raise SlackRequestRefused(401, "invalid signature")


def check_payload(text: str, content_types: list[str]) -> dict[str, Any] | None:
    """Refuse (400) what Bolt could not parse safely: it reads JSON when the media type says so or the body
    starts with ``{``, else a form whose ``payload`` field (interactivity) is JSON. Either must be an object
    nested at most MAX_JSON_DEPTH levels. Returns the body's object when the body is JSON (the Events API)."""
    is_json = "application/json" in [value.split(";")[0] for value in content_types] or text.startswith("{")
    if is_json:
        documents = [text]
    elif "payload" in text:
        documents = [value for name, value in parse_qsl(text, keep_blank_values=True) if name == "payload"]
    else:
        return None  # a plain form: a slash command
    for document in documents:
        try:
            value = loads_bounded(document)
        except UnreadableJSON as exc:
            raise SlackRequestRefused(400, f"body is not usable JSON ({exc})") from None
        if not isinstance(value, dict):
            raise SlackRequestRefused(400, "body is not a JSON object")
        if is_json:
            return value
    return None


class SlackEdge:
    """The three Slack routes: verify and bound here, then hand Bolt the verified bytes."""

    def __init__(self, services: Services, bolt_app: AsyncApp, *, clock: Callable[[], float] = time.time):
        self.bolt_app = bolt_app
        self.signing_secret = services.settings.SLACK_SIGNING_SECRET.get_secret_value()
        self.clock = clock
        self.limits = {
            INSTALL_PATH: SharedRateLimit(services.database, "slack-install", limit=INSTALLS_PER_MINUTE),
            REDIRECT_PATH: SharedRateLimit(services.database, "slack-oauth-redirect", limit=REDIRECTS_PER_MINUTE),
        }

    async def events(self, request: Request) -> Response:
        """POST /slack/events: events, interactivity and slash commands."""
        raw = await read_limited(request, MAX_SLACK_BODY_BYTES)
        if raw is None:
            raise SlackRequestRefused(413, "payload too large", CLOSE_CONNECTION)
        verify_slack_signature(raw, request.headers.get("x-slack-request-timestamp"),
                               request.headers.get("x-slack-signature"), self.signing_secret, self.clock())
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise SlackRequestRefused(400, "body is not UTF-8") from None
        payload = check_payload(text, request.headers.getlist("content-type"))
        if payload is not None and no_listener_acts_on(payload):
            return Response(status_code=200)  # what Bolt answers for an event it ignores
        return to_starlette_response(await self.bolt_app.async_dispatch(to_async_bolt_request(request, raw)))

    async def oauth(self, request: Request) -> Response:
        """GET /slack/install and /slack/oauth_redirect (OAuth mode only). The body of a GET is never read."""
        flow = self.bolt_app.oauth_flow
        if flow is None or request.method != "GET":
            return PlainTextResponse("Not found", status_code=404)
        wait = await self.limits[request.url.path].take(client_address(request))
        if wait:
            raise SlackRequestRefused(429, "too many requests", retry_after_header(wait))
        bolt_request = to_async_bolt_request(request, b"")
        if request.url.path == INSTALL_PATH:
            return to_starlette_response(await flow.handle_installation(bolt_request))
        return to_starlette_response(await flow.handle_callback(bolt_request))

    @staticmethod
    def bounded(endpoint: Endpoint) -> Endpoint:
        """Refusals become short JSON answers; anything unexpected is logged in one line and answered 400."""

        async def answer(request: Request) -> Response:
            try:
                return await endpoint(request)
            except SlackRequestRefused as refusal:
                log.warning("refused %s %s (%d): %s", request.method, request.url.path, refusal.status,
                            refusal.error)
                return JSONResponse({"error": refusal.error}, status_code=refusal.status, headers=refusal.headers)
            except ClientDisconnect:
                raise  # nobody to answer: the app logs it in one line
            except Exception as exc:  # last resort: never a 500 with a traceback for what a client sent
                log.error("could not handle %s %s: %s: %s", request.method, request.url.path,
                          type(exc).__name__, str(exc)[:200])
                log.debug("the failure in full", exc_info=True)
                return JSONResponse({"error": "request could not be handled"}, status_code=400)

        return answer

    def routes(self) -> list[BaseRoute]:
        """The routes, mounted at the paths Bolt's OAuth settings name."""
        return [
            Route(EVENTS_PATH, self.bounded(self.events), methods=["POST"]),
            Route(INSTALL_PATH, self.bounded(self.oauth), methods=["GET"]),
            Route(REDIRECT_PATH, self.bounded(self.oauth), methods=["GET"]),
        ]
