"""Webhooks the simulator sends: envelope shapes, Meta's signature, subscription and status rules."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import pytest

from sandbox.meta.strict import webhook_payload_errors

from .tenants import APP_SECRET, WEBHOOK_URL, V, candidate_says, connect

CANDIDATE = "212600000001"


def _verify(request) -> dict:
    """What the relay must do: HMAC the raw bytes with the app secret, compare, then parse."""
    raw = request.content
    expected = "sha256=" + hmac.new(APP_SECRET.encode(), raw, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(request.headers["x-hub-signature-256"], expected)
    assert request.headers["content-type"] == "application/json"
    return json.loads(raw)


@pytest.fixture
async def tenant(client):
    return await connect(client)


async def test_inbound_text_is_signed_and_documented(client, tenant, receiver):
    answer = await candidate_says(client, tenant, "Salam, I saw the job / offer", wa_id=CANDIDATE)
    assert answer["status"] == 200 and answer["delivered"] is True
    (request,) = receiver.requests
    assert str(request.url) == WEBHOOK_URL
    payload = _verify(request)
    assert payload == answer["payload"] and not webhook_payload_errors(payload)
    assert b"\\/" in request.content  # Meta escapes "/"; re-serialising the JSON breaks the signature
    entry = payload["entry"][0]
    assert payload["object"] == "whatsapp_business_account" and entry["id"] == tenant.waba_id
    value = entry["changes"][0]["value"]
    assert entry["changes"][0]["field"] == "messages"
    assert value["metadata"]["phone_number_id"] == tenant.phone_number_id
    assert value["metadata"]["display_phone_number"].isdigit()
    assert value["contacts"] == [{"profile": {"name": "Ahmed"}, "wa_id": CANDIDATE}]
    message = value["messages"][0]
    assert message["id"] == answer["message_id"] and message["from"] == CANDIDATE
    assert message["type"] == "text" and message["text"] == {"body": "Salam, I saw the job / offer"}
    assert message["timestamp"].isdigit()


async def test_unicode_is_escaped_like_meta(client, tenant, receiver):
    await candidate_says(client, tenant, "Merci \U0001f60a été", wa_id=CANDIDATE)
    raw = receiver.requests[0].content
    assert raw.isascii() and b"\\ud83d\\ude0a" in raw and b"\\u00e9" in raw
    assert _verify(receiver.requests[0])["entry"][0]["changes"][0]["value"]["messages"][0]["text"][
        "body"
    ] == ("Merci \U0001f60a été")


async def test_no_webhooks_without_subscription(client, receiver):
    tenant = await connect(client, subscribe=False)
    answer = await candidate_says(client, tenant, wa_id=CANDIDATE)
    assert answer["delivered"] is False and "subscribed" in answer["reason"] and not receiver.requests


async def test_unregistered_number_cannot_be_reached(client):
    tenant = await connect(client, register=False)
    response = await client.post(
        "/_sim/meta/inbound",
        json={"phone_number_id": tenant.phone_number_id, "from": CANDIDATE, "type": "text", "text": "hi"},
    )
    assert response.status_code == 409


async def test_status_updates_follow_sent_messages(client, tenant, receiver):
    template = {"name": "interview_invite", "language": {"code": "en_US"}}
    template["components"] = [
        {"type": "body", "parameters": [{"type": "text", "text": "A"}, {"type": "text", "text": "B"}]}
    ]
    sent = await client.post(
        f"/{V}/{tenant.phone_number_id}/messages",
        headers=tenant.headers,
        json={
            "messaging_product": "whatsapp",
            "to": CANDIDATE,
            "type": "template",
            "template": template,
            "biz_opaque_callback_data": "thread-42",
        },
    )
    wamid = sent.json()["messages"][0]["id"]
    for status in ("sent", "delivered", "read"):
        answer = (
            await client.post(
                "/_sim/meta/inbound",
                json={
                    "phone_number_id": tenant.phone_number_id,
                    "type": "status",
                    "message_id": wamid,
                    "status": status,
                },
            )
        ).json()
        assert answer["status"] == 200 and answer["message_id"] == wamid
    payloads = [_verify(r) for r in receiver.requests]
    statuses = [p["entry"][0]["changes"][0]["value"]["statuses"][0] for p in payloads]
    assert [s["status"] for s in statuses] == ["sent", "delivered", "read"]
    assert all(
        s["recipient_id"] == CANDIDATE and s["biz_opaque_callback_data"] == "thread-42" for s in statuses
    )
    assert statuses[0]["pricing"]["category"] == "utility" and "pricing" not in statuses[2]
    assert "contacts" not in payloads[0]["entry"][0]["changes"][0]["value"]
    assert not any(webhook_payload_errors(p) for p in payloads)


async def test_failed_status_carries_the_error(client, tenant, receiver):
    await candidate_says(client, tenant, wa_id=CANDIDATE)
    sent = await client.post(
        f"/{V}/{tenant.phone_number_id}/messages",
        headers=tenant.headers,
        json={"messaging_product": "whatsapp", "to": CANDIDATE, "type": "text", "text": {"body": "hi"}},
    )
    answer = await client.post(
        "/_sim/meta/inbound",
        json={
            "phone_number_id": tenant.phone_number_id,
            "type": "status",
            "message_id": sent.json()["messages"][0]["id"],
            "status": "failed",
            "error_code": 131049,
        },
    )
    status = answer.json()["payload"]["entry"][0]["changes"][0]["value"]["statuses"][0]
    assert status["errors"][0]["code"] == 131049 and status["errors"][0]["error_data"]["details"]
    unknown = await client.post(
        "/_sim/meta/inbound",
        json={
            "phone_number_id": tenant.phone_number_id,
            "type": "status",
            "message_id": "wamid.x",
            "status": "read",
        },
    )
    assert unknown.status_code == 400


@pytest.mark.parametrize(
    ("extra", "check"),
    [
        (
            {"type": "location", "location": {"latitude": 33.5, "longitude": -7.6}},
            lambda m: m["location"]["latitude"],
        ),
        (
            {"type": "reaction", "reaction": {"message_id": "wamid.a", "emoji": "\U0001f44d"}},
            lambda m: m["reaction"],
        ),
        (
            {
                "type": "button",
                "button": {"payload": "YES", "text": "I'm interested"},
                "context": {"id": "wamid.t"},
            },
            lambda m: m["context"]["id"] == "wamid.t" and m["context"]["from"].isdigit(),
        ),
        (
            {
                "type": "interactive",
                "interactive": {"type": "button_reply", "button_reply": {"id": "y", "title": "Yes"}},
                "context": {"id": "wamid.q"},
            },
            lambda m: m["interactive"]["button_reply"]["id"] == "y",
        ),
        ({"type": "unsupported"}, lambda m: m["errors"][0]["code"] == 131051),
        (
            {
                "type": "audio",
                "mime_type": "audio/ogg",
                "content_base64": base64.b64encode(b"OggS" + bytes(40)).decode(),
                "voice": True,
            },
            lambda m: m["audio"]["voice"] is True and m["audio"]["url"],
        ),
    ],
)
async def test_other_inbound_types(client, tenant, extra, check):
    answer = await client.post(
        "/_sim/meta/inbound",
        json={"phone_number_id": tenant.phone_number_id, "from": CANDIDATE, "name": "A", **extra},
    )
    assert answer.status_code == 200, answer.text
    payload = answer.json()["payload"]
    assert check(payload["entry"][0]["changes"][0]["value"]["messages"][0])
    assert not webhook_payload_errors(payload)


async def test_system_message_has_no_contacts(client, tenant):
    answer = await client.post(
        "/_sim/meta/inbound",
        json={
            "phone_number_id": tenant.phone_number_id,
            "from": CANDIDATE,
            "type": "system",
            "new_wa_id": "212611111111",
        },
    )
    value = answer.json()["payload"]["entry"][0]["changes"][0]["value"]
    assert "contacts" not in value and value["messages"][0]["system"]["wa_id"] == "212611111111"


async def test_only_candidate_messages_open_the_window(client, tenant):
    await client.post(
        "/_sim/meta/inbound",
        json={"phone_number_id": tenant.phone_number_id, "from": CANDIDATE, "type": "reaction",
              "reaction": {"message_id": "wamid.a", "emoji": "x"}},
    )  # fmt: skip
    text = {"messaging_product": "whatsapp", "to": CANDIDATE, "type": "text", "text": {"body": "hi"}}
    send = await client.post(f"/{V}/{tenant.phone_number_id}/messages", headers=tenant.headers, json=text)
    assert send.json()["error"]["code"] == 131047
    png = base64.b64encode(b"\x89PNG\r\n\x1a\n" + bytes(30)).decode()
    image = {"type": "image", "mime_type": "image/png", "content_base64": png}
    await client.post(
        "/_sim/meta/inbound", json={"phone_number_id": tenant.phone_number_id, "from": CANDIDATE, **image}
    )
    send = await client.post(f"/{V}/{tenant.phone_number_id}/messages", headers=tenant.headers, json=text)
    assert send.status_code == 200


async def test_raw_account_update_and_dry_run(client, sim, receiver, tenant):
    dry = (await client.post("/_sim/meta/inbound", json={"raw": {"object": "x"}, "deliver": False})).json()
    assert dry["delivered"] is False and not receiver.requests
    expected = "sha256=" + hmac.new(APP_SECRET.encode(), dry["body"].encode(), hashlib.sha256).hexdigest()
    assert dry["headers"]["X-Hub-Signature-256"] == expected

    update = {
        "event": "PARTNER_ADDED",
        "waba_info": {"waba_id": tenant.waba_id, "owner_business_id": tenant.business_id},
    }
    answer = (await client.post("/_sim/meta/inbound", json={"account_update": update})).json()
    payload = _verify(receiver.requests[-1])
    assert answer["status"] == 200 and payload["entry"][0]["id"] == sim.partner_business_id
    assert payload["entry"][0]["changes"][0] == {"value": update, "field": "account_update"}


async def test_relay_status_is_reported(client, tenant, receiver):
    receiver.status = 403
    answer = await candidate_says(client, tenant, wa_id=CANDIDATE)
    assert answer["status"] == 403


async def test_replies_quote_the_last_message_sent_to_the_candidate(client, tenant):
    reply = {"type": "button", "button": {"payload": "YES", "text": "Yes"}}
    base = {"phone_number_id": tenant.phone_number_id, "from": CANDIDATE, **reply}
    assert (await client.post("/_sim/meta/inbound", json=base)).status_code == 400  # nothing was sent yet
    template = {"name": "hello_world", "language": {"code": "en_US"}}
    sent = await client.post(
        f"/{V}/{tenant.phone_number_id}/messages",
        headers=tenant.headers,
        json={"messaging_product": "whatsapp", "to": CANDIDATE, "type": "template", "template": template},
    )
    answer = (await client.post("/_sim/meta/inbound", json=base)).json()
    message = answer["payload"]["entry"][0]["changes"][0]["value"]["messages"][0]
    assert message["context"]["id"] == sent.json()["messages"][0]["id"]
    assert not webhook_payload_errors(answer["payload"])
