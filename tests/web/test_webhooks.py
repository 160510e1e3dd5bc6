"""Meta's webhook endpoint tried with genuine, forged, malformed, oversized and replayed input."""

import hashlib
import hmac
import json
import logging

import httpx
import pytest
from cryptography.fernet import Fernet
from starlette.applications import Starlette
from starlette.routing import Route

from relay.inbound.inbox_worker import InboxWorker
from relay.services import Services
from relay.settings import load_settings
from storage.messaging_models import InboxState
from storage.migrate import upgrade
from storage.repositories.inbox import InboxRepository
from web.webhooks import MAX_WEBHOOK_BYTES, receive_events, verify_subscription

APP_SECRET = "app-secret-for-webhook-tests"
VERIFY = "verify-token-for-webhook-tests"


class Inbox:
    """The inbox table as the test sees it: every stored body, oldest first."""

    def __init__(self, services):
        self.services = services

    async def rows(self):
        async with self.services.database.session() as session:
            return list(reversed(await InboxRepository(session).recent(1000)))

    async def bodies(self):
        return [row.body for row in await self.rows()]


@pytest.fixture
async def endpoint(tmp_path):
    upgrade(f"sqlite:///{tmp_path}/db.sqlite")
    settings = load_settings({
        "META_APP_ID": "1", "META_APP_SECRET": APP_SECRET, "META_CONFIG_ID": "c",
        "META_WEBHOOK_VERIFY_TOKEN": VERIFY, "SLACK_SIGNING_SECRET": "s", "SLACK_BOT_TOKEN": "xoxb-1",
        "PUBLIC_BASE_URL": "https://relay.example", "WASLACK_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite",
    }, env_file=None)
    services = Services.build(settings)
    app = Starlette(routes=[
        Route("/webhooks/whatsapp", verify_subscription(services), methods=["GET"]),
        Route("/webhooks/whatsapp", receive_events(services), methods=["POST"]),
    ])
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://relay") as client:
        yield client, Inbox(services)
    await services.aclose()


def signed(body: bytes, secret: str = APP_SECRET) -> dict:
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return {"X-Hub-Signature-256": f"sha256={digest}", "Content-Type": "application/json"}


PAYLOAD = {
    "object": "whatsapp_business_account",
    "entry": [{"id": "102290129340398", "changes": [{"field": "messages", "value": {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550001111", "phone_number_id": "106540352242922"},
        "contacts": [{"profile": {"name": "Ahmed"}, "wa_id": "212600000001"}],
        "messages": [{"from": "212600000001", "id": "wamid.TEST1", "timestamp": "1763700000", "type": "text",
                      "text": {"body": "Bonjour, je suis intéressé"}}]}}]}],
}


async def test_verification_answers_the_challenge_only_for_our_token(endpoint):
    client, _ = endpoint
    ok = await client.get("/webhooks/whatsapp", params={"hub.mode": "subscribe", "hub.verify_token": VERIFY,
                                                        "hub.challenge": "1158201444"})
    assert ok.status_code == 200 and ok.text == "1158201444"
    for params in ({"hub.mode": "subscribe", "hub.verify_token": "guess", "hub.challenge": "1"},
                   {"hub.mode": "unsubscribe", "hub.verify_token": VERIFY, "hub.challenge": "1"},
                   {"hub.challenge": "1"}):
        refused = await client.get("/webhooks/whatsapp", params=params)
        assert refused.status_code == 403 and "1" not in refused.text.replace("verification failed", "")
    missing = await client.get("/webhooks/whatsapp", params={"hub.mode": "subscribe", "hub.verify_token": VERIFY})
    assert missing.status_code == 400


async def test_genuine_payload_is_accepted_byte_for_byte(endpoint):
    client, received = endpoint
    body = json.dumps(PAYLOAD, ensure_ascii=False).encode()
    response = await client.post("/webhooks/whatsapp", content=body, headers=signed(body))
    assert response.status_code == 200
    assert await received.bodies() == [body]


async def test_signature_is_checked_on_raw_bytes_not_reserialized_json(endpoint):
    client, received = endpoint
    body = json.dumps(PAYLOAD, ensure_ascii=False).encode()
    reformatted = json.dumps(PAYLOAD, indent=2).encode()  # same JSON, other bytes
    response = await client.post("/webhooks/whatsapp", content=reformatted, headers=signed(body))
    assert response.status_code == 401 and await received.bodies() == []


@pytest.mark.parametrize("header", [None, "", "sha256=", "sha1=abc", "sha256=" + "0" * 64, "sha256=zz",
                                    "garbage"])
async def test_forged_or_missing_signatures_are_refused(endpoint, header, caplog):
    client, received = endpoint
    body = json.dumps(PAYLOAD).encode()
    headers = {"Content-Type": "application/json"}
    if header is not None:
        headers["X-Hub-Signature-256"] = header
    with caplog.at_level(logging.WARNING):
        response = await client.post("/webhooks/whatsapp", content=body, headers=headers)
    assert response.status_code == 401 and await received.bodies() == []
    assert APP_SECRET not in caplog.text


async def test_signed_with_another_secret_is_refused(endpoint):
    client, received = endpoint
    body = json.dumps(PAYLOAD).encode()
    response = await client.post("/webhooks/whatsapp", content=body, headers=signed(body, "other-app-secret"))
    assert response.status_code == 401 and await received.bodies() == []


@pytest.mark.parametrize("body", [b"not json", b"\xff\xfe", b"[1, 2]", b'{"object": "x"}', b'{"entry": {}}',
                                  b'{"a":' * 100000, b"[" * 5000 + b"]" * 5000])
async def test_signed_but_unreadable_payloads_are_kept_and_acknowledged(endpoint, body):
    """Meta would retry a refused body for a week and it can never parse: store it, answer 200, and let the
    worker mark it unparseable for the inspector."""
    client, received = endpoint
    response = await client.post("/webhooks/whatsapp", content=body, headers=signed(body))
    assert response.status_code == 200
    assert await received.bodies() == [body]
    row = (await received.rows())[0]
    await InboxWorker(received.services.database).process_one(row.id, row.body, row.attempts)
    row = (await received.rows())[0]
    assert row.state == InboxState.UNPARSEABLE.value and row.error


async def test_oversized_payload_is_refused_before_it_is_read_whole(endpoint):
    client, received = endpoint
    body = b'{"entry": [], "pad": "' + b"x" * (MAX_WEBHOOK_BYTES + 10) + b'"}'
    response = await client.post("/webhooks/whatsapp", content=body, headers=signed(body))
    assert response.status_code == 413 and await received.bodies() == []

    async def chunks():  # no Content-Length: the limit still holds while streaming
        for _ in range(6):
            yield b"x" * (1024 * 1024)

    streamed = await client.post("/webhooks/whatsapp", content=chunks(),
                                 headers={"X-Hub-Signature-256": "sha256=" + "0" * 64})
    assert streamed.status_code == 413


async def test_a_replayed_delivery_is_acknowledged_again(endpoint):
    """Meta re-delivers on any failure for 7 days: a replay is answered 200 (dedupe is by wamid downstream)."""
    client, received = endpoint
    body = json.dumps(PAYLOAD).encode()
    first = await client.post("/webhooks/whatsapp", content=body, headers=signed(body))
    again = await client.post("/webhooks/whatsapp", content=body, headers=signed(body))
    assert first.status_code == again.status_code == 200
    bodies = await received.bodies()
    assert len(bodies) == 2 and bodies[0] == bodies[1]
