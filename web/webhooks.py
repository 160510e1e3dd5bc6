"""Meta's webhook endpoint: the verification GET and signed POSTs, checked on the raw bytes before parsing."""

from __future__ import annotations

import hmac
import json
import logging

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from relay.activity import webhook_received
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


async def read_limited(request: Request, limit: int) -> bytes | None:
    """The body, or None once it grows past ``limit`` (read in chunks, never all at once)."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        return None
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def receive_events(services: Services, on_payload=None):  # type: ignore[no-untyped-def]
    """POST: 413 if oversized, 401 unless X-Hub-Signature-256 matches, 400 if not a WhatsApp payload, else 200.

    ``on_payload(raw, payload)`` is where the inbound pipeline stores what arrived (added by the inbound issue)."""
    secret = services.settings.META_APP_SECRET.get_secret_value()

    async def endpoint(request: Request) -> Response:
        raw = await read_limited(request, MAX_WEBHOOK_BYTES)
        if raw is None:
            return JSONResponse({"error": "payload too large"}, status_code=413)
        if not verify_signature(raw, request.headers.get("x-hub-signature-256"), secret):
            log.warning("webhook refused: bad or missing X-Hub-Signature-256 (%d bytes)", len(raw))
            return JSONResponse({"error": "invalid signature"}, status_code=401)
        try:
            payload = json.loads(raw)
        except (UnicodeDecodeError, json.JSONDecodeError):
            return JSONResponse({"error": "body is not JSON"}, status_code=400)
        if not isinstance(payload, dict) or not isinstance(payload.get("entry"), list):
            return JSONResponse({"error": "not a webhook payload (no entry list)"}, status_code=400)
        if on_payload is not None:
            await on_payload(raw, payload)
        webhook_received(payload)
        return JSONResponse({"received": True})

    return endpoint
