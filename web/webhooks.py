"""Meta's webhook endpoint: the verification GET and signed POSTs, checked on the raw bytes before parsing."""

from __future__ import annotations

import hmac
import logging

from starlette.requests import ClientDisconnect, Request
from starlette.responses import PlainTextResponse, Response
from starlette.types import Message, Receive, Scope, Send

from relay.services import Services
from whatsapp.signature import verify_signature

log = logging.getLogger("waslack.webhooks")

# Meta batches at most 1000 updates per POST; its size limit is not documented (reference 3.3).
MAX_WEBHOOK_BYTES = 5 * 1024 * 1024


def verify_subscription(services: Services):  # type: ignore[no-untyped-def]
    """GET ?hub.mode=subscribe&hub.verify_token=…&hub.challenge=… → the challenge, only for our token."""

    async def endpoint(request: Request) -> Response:
        params = request.query_params
        expected = services.settings.META_WEBHOOK_VERIFY_TOKEN.get_secret_value()
        given = params.get("hub.verify_token", "")
        challenge = params.get("hub.challenge", "")
        if params.get("hub.mode") != "subscribe" or not hmac.compare_digest(given.encode(), expected.encode()):
            return PlainTextResponse("verification failed", status_code=403)
        if not challenge or len(challenge) > 256:
            return PlainTextResponse("missing hub.challenge", status_code=400)
        return PlainTextResponse(challenge)

    return endpoint


def receive_events(services: Services, *, headers: dict[str, str] | None = None) -> ReceiveEvents:
    """POST: 413 if oversized, 401 unless X-Hub-Signature-256 matches, else the raw body is stored in the inbox
    and 200 is sent only after its commit (503 if the database refused it: Meta retries). ``headers`` go on
    every answer (HSTS on https).

    Nothing else happens here: parsing, routing and Slack are the workers' (relay/inbound). A signed body
    that is not JSON is stored too and marked unparseable by the worker: Meta would retry it for a week."""
    return ReceiveEvents(services, headers or {})


Answer = tuple[Message, Message]


def _json(status: int, body: bytes, *extra: tuple[bytes, bytes]) -> Answer:
    start: Message = {"type": "http.response.start", "status": status, "headers": [
        (b"content-length", str(len(body)).encode()), (b"content-type", b"application/json"), *extra]}
    return start, {"type": "http.response.body", "body": body}


class ReceiveEvents:
    """The endpoint as a plain ASGI app, which the web app calls before Starlette's middleware and router
    (web/app.py): Meta's POSTs are the relay's hottest path, and Starlette's Request and Response objects,
    wrappers and route matching cost more CPU per webhook than reading, checking and storing it. A client
    that hangs up mid-body raises ClientDisconnect, as ``request.stream()`` does."""

    def __init__(self, services: Services, headers: dict[str, str]):
        self.services = services
        self.secret = services.settings.META_APP_SECRET.get_secret_value()
        extra = [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers.items()]
        self.received = _json(200, b'{"received":true}', *extra)
        self.too_large = _json(413, b'{"error":"payload too large"}', (b"connection", b"close"), *extra)
        self.bad_signature = _json(401, b'{"error":"invalid signature"}', *extra)
        self.not_stored = _json(503, b'{"error":"not stored, retry later"}', *extra)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        declared = signature = None
        for name, value in scope["headers"]:
            if name == b"content-length":
                declared = value
            elif name == b"x-hub-signature-256" and signature is None:  # the first, as Request.headers
                signature = value.decode("latin-1")
        raw = await _read_limited(receive, declared, MAX_WEBHOOK_BYTES)
        if raw is None:
            answer = self.too_large
        elif not verify_signature(raw, signature, self.secret):
            log.warning("webhook refused: bad or missing X-Hub-Signature-256 (%d bytes)", len(raw))
            answer = self.bad_signature
        else:
            try:
                await self.services.inbox.store(raw)
                answer = self.received
            except Exception:
                answer = self.not_stored
        await send(answer[0])
        await send(answer[1])


async def _read_limited(receive: Receive, declared: bytes | None, limit: int) -> bytes | None:
    """web.request_body.read_limited on the raw ASGI messages: None past ``limit`` (declared or streamed)."""
    if declared and declared.isdigit() and int(declared) > limit:
        return None
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientDisconnect()
        body = message.get("body", b"")
        size += len(body)
        if size > limit:
            return None
        chunks.append(body)
        if not message.get("more_body", False):
            return chunks[0] if len(chunks) == 1 else b"".join(chunks)
