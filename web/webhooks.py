"""Meta's webhook endpoint: the verification GET and signed POSTs, checked on the raw bytes before parsing."""

from __future__ import annotations

import hmac
import logging

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from relay.services import Services
from web.request_body import read_limited
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


def receive_events(services: Services):  # type: ignore[no-untyped-def]
    """POST: 413 if oversized, 401 unless X-Hub-Signature-256 matches, else the raw body is stored in the inbox
    and 200 is sent only after its commit (503 if the database refused it: Meta retries).

    Nothing else happens here: parsing, routing and Slack are the workers' (relay/inbound). A signed body
    that is not JSON is stored too and marked unparseable by the worker: Meta would retry it for a week."""
    secret = services.settings.META_APP_SECRET.get_secret_value()

    async def endpoint(request: Request) -> Response:
        raw = await read_limited(request, MAX_WEBHOOK_BYTES)
        if raw is None:
            return JSONResponse({"error": "payload too large"}, status_code=413, headers={"Connection": "close"})
        if not verify_signature(raw, request.headers.get("x-hub-signature-256"), secret):
            log.warning("webhook refused: bad or missing X-Hub-Signature-256 (%d bytes)", len(raw))
            return JSONResponse({"error": "invalid signature"}, status_code=401)
        try:
            await services.inbox.store(raw)
        except Exception:
            return JSONResponse({"error": "not stored, retry later"}, status_code=503)
        return JSONResponse({"received": True})

    return endpoint
