"""Inbound shapes Meta really sends: every message type, senders known only by a business-scoped user id,
value-level errors, media digests in base64 with MIME parameters kept, and webhook media living 7 days."""

from __future__ import annotations

import base64
import json
from urllib.parse import urlsplit

import pytest

from sandbox.meta.strict import webhook_payload_errors

from .tenants import V, candidate_says, connect

CANDIDATE = "212600000001"
BSUID = "MA.13491208655302741918"
# Types the vendored OpenAPI describes; the others (edit, revoke, request_welcome, value errors) it lacks.
IN_THE_SPEC = {"text", "reply", "image", "video", "voice", "audio", "document", "sticker", "location", "contacts",
               "button_reply", "list_reply", "nfm_reply", "button", "order", "reaction", "unsupported", "system"}


@pytest.fixture
async def tenant(client):
    tenant = await connect(client)
    template = {"name": "hello_world", "language": {"code": "en_US"}}
    await client.post(f"/{V}/{tenant.phone_number_id}/messages", headers=tenant.headers,
                      json={"messaging_product": "whatsapp", "to": CANDIDATE, "type": "template",
                            "template": template})  # fmt: skip
    return tenant


async def _sample(client, tenant, name: str, **extra) -> dict:
    body = {"phone_number_id": tenant.phone_number_id, "sample": name, **extra}
    response = await client.post("/_sim/meta/inbound/sample", json=body)
    assert response.status_code == 200, (name, response.text)
    return response.json()


def _value(answer: dict) -> dict:
    return answer["payload"]["entry"][0]["changes"][0]["value"]


async def test_every_sample_kind_is_listed_and_delivered_signed(client, tenant, receiver):
    names = (await client.get("/_sim/meta/inbound/samples")).json()["samples"]
    assert set(names) >= IN_THE_SPEC | {"edit", "revoke", "referral", "request_welcome", "errors", "forwarded"}
    await candidate_says(client, tenant, wa_id=CANDIDATE)  # something to edit and revoke
    for name in names:
        answer = await _sample(client, tenant, name)
        assert answer["status"] == 200 and answer["delivered"] is True
        if name in IN_THE_SPEC:
            assert not webhook_payload_errors(answer["payload"]), name
    assert len(receiver.requests) == len(names) + 1


@pytest.mark.parametrize(
    ("name", "check"),
    [
        ("text", lambda m: m["type"] == "text" and m["text"]["body"]),
        ("forwarded", lambda m: m["context"] == {"forwarded": True}),
        ("reply", lambda m: m["context"]["id"].startswith("wamid.") and m["context"]["from"].isdigit()),
        ("location", lambda m: m["location"]["latitude"] and m["location"]["address"]),
        ("contacts", lambda m: m["contacts"][0]["phones"][0]["wa_id"] == "212661234567"),
        ("button_reply", lambda m: m["interactive"]["button_reply"]["id"] and m["context"]["id"]),
        ("list_reply", lambda m: m["interactive"]["list_reply"]["description"]),
        ("nfm_reply", lambda m: json.loads(m["interactive"]["nfm_reply"]["response_json"])["flow_token"]),
        ("button", lambda m: m["button"] == {"payload": "CONFIRM_INTERVIEW", "text": "Confirm"} and m["context"]),
        ("order", lambda m: m["order"]["product_items"][0]["quantity"] == 1),
        ("reaction", lambda m: m["reaction"]["emoji"] == "\U0001f44d" and m["reaction"]["message_id"]),
        ("unsupported", lambda m: m["errors"][0]["code"] == 131051 and m["unsupported"] == {"type": "poll"}),
        ("request_welcome", lambda m: set(m) == {"from", "id", "timestamp", "type"}),
        ("sticker", lambda m: m["sticker"]["animated"] is False and m["sticker"]["mime_type"] == "image/webp"),
        ("video", lambda m: m["video"]["caption"] and m["video"]["mime_type"] == "video/mp4"),
        ("document", lambda m: m["document"]["filename"] == "CV Ahmed Hassan.pdf"),
    ],
)
async def test_message_shapes(client, tenant, name, check):
    message = _value(await _sample(client, tenant, name))["messages"][0]
    assert message["from"] == CANDIDATE and message["id"].startswith("wamid.") and message["timestamp"].isdigit()
    assert check(message)


async def test_referral_carries_the_ad(client, tenant):
    message = _value(await _sample(client, tenant, "referral"))["messages"][0]
    referral = message["referral"]
    assert referral["source_type"] == "ad" and referral["ctwa_clid"] and referral["welcome_message"]["text"]
    assert {"source_url", "source_id", "headline", "body", "media_type", "image_url"} <= set(referral)
    assert message["type"] == "text"


async def test_edit_and_revoke_name_the_original_message(client, tenant):
    original = await candidate_says(client, tenant, "See you Wednesday", wa_id=CANDIDATE)
    edit = _value(await _sample(client, tenant, "edit"))["messages"][0]
    assert edit["type"] == "edit" and edit["edit"]["original_message_id"] == original["message_id"]
    assert edit["edit"]["message"] == {"type": "text", "text": {"body": "Sorry, I meant Thursday at 10."}}
    revoke = _value(await _sample(client, tenant, "revoke"))["messages"][0]
    assert revoke == {"from": CANDIDATE, "id": revoke["id"], "timestamp": revoke["timestamp"], "type": "revoke",
                      "revoke": {"original_message_id": original["message_id"]}}  # fmt: skip


async def test_a_sender_known_only_by_business_scoped_id(client, tenant, receiver):
    answer = await _sample(client, tenant, "text", user_id=BSUID, username="@ahmed.h")
    value = _value(answer)
    (message,) = value["messages"]
    assert "from" not in message and message["from_user_id"] == BSUID
    assert value["contacts"] == [{"profile": {"name": "Ahmed Hassan", "username": "@ahmed.h"}, "user_id": BSUID}]
    reply = {"messaging_product": "whatsapp", "recipient": BSUID, "type": "text", "text": {"body": "Hello!"}}
    sent = await client.post(f"/{V}/{tenant.phone_number_id}/messages", headers=tenant.headers, json=reply)
    assert sent.status_code == 200 and sent.json()["contacts"] == [{"input": BSUID, "user_id": BSUID}]
    status = {"phone_number_id": tenant.phone_number_id, "type": "status", "status": "sent",
              "message_id": sent.json()["messages"][0]["id"]}  # fmt: skip
    item = _value((await client.post("/_sim/meta/inbound", json=status)).json())["statuses"][0]
    assert item["recipient_user_id"] == BSUID and "recipient_id" not in item


async def test_value_level_errors_have_no_messages(client, tenant):
    value = _value(await _sample(client, tenant, "errors"))
    assert set(value) == {"messaging_product", "metadata", "errors"}
    (error,) = value["errors"]
    assert error["code"] == 130429 and error["title"] == "Rate limit hit" and error["error_data"]["details"]


async def test_voice_notes_keep_mime_parameters_and_base64_digests(client, tenant):
    audio = _value(await _sample(client, tenant, "voice"))["messages"][0]["audio"]
    assert audio["mime_type"] == "audio/ogg; codecs=opus" and audio["voice"] is True
    assert len(base64.b64decode(audio["sha256"], validate=True)) == 32
    info = (await client.get(f"/{V}/{audio['id']}", headers=tenant.headers)).json()
    assert base64.b64decode(audio["sha256"]).hex() == info["sha256"]  # Graph answers the same digest in hex
    parts = urlsplit(audio["url"])
    download = await client.get(f"{parts.path}?{parts.query}", headers=tenant.headers)
    assert download.status_code == 200 and download.headers["content-type"] == "audio/ogg; codecs=opus"


async def test_webhook_media_live_seven_days_and_uploads_thirty(client, tenant, clock):
    received = _value(await _sample(client, tenant, "image"))["messages"][0]["image"]["id"]
    png = b"\x89PNG\r\n\x1a\n" + bytes(40)
    uploaded = (await client.post(f"/{V}/{tenant.phone_number_id}/media", headers=tenant.headers,
                                  data={"messaging_product": "whatsapp"},
                                  files={"file": ("a.png", png, "image/png")})).json()["id"]  # fmt: skip

    async def alive(media_id: str) -> bool:
        return (await client.get(f"/{V}/{media_id}", headers=tenant.headers)).status_code == 200

    clock.advance(7 * 24 * 3600 - 60)
    assert await alive(received) and await alive(uploaded)
    clock.advance(120)
    assert not await alive(received) and await alive(uploaded)
    clock.advance(23 * 24 * 3600)
    assert not await alive(uploaded)


async def test_system_messages_report_the_new_number_without_contacts(client, tenant):
    value = _value(await _sample(client, tenant, "system"))
    assert "contacts" not in value
    assert value["messages"][0]["system"] == {
        "body": f"User Ahmed Hassan changed from {CANDIDATE} to 212611111111",
        "wa_id": "212611111111",
        "type": "user_changed_number",
    }


async def test_request_welcome_opens_the_service_window(client, tenant):
    await _sample(client, tenant, "request_welcome", **{"from": "212600000077"})
    text = {"messaging_product": "whatsapp", "to": "212600000077", "type": "text", "text": {"body": "Welcome!"}}
    sent = await client.post(f"/{V}/{tenant.phone_number_id}/messages", headers=tenant.headers, json=text)
    assert sent.status_code == 200


async def test_bad_sample_requests_are_400(client, tenant):
    assert (await client.post("/_sim/meta/inbound/sample", json={"sample": "nope"})).status_code == 400
    body = {"phone_number_id": tenant.phone_number_id, "sample": "text", "user_id": "not-a-bsuid"}
    assert (await client.post("/_sim/meta/inbound/sample", json=body)).status_code == 400
    fresh = await connect(client)
    edit = {"phone_number_id": fresh.phone_number_id, "sample": "edit"}
    assert "original_message_id" in (await client.post("/_sim/meta/inbound/sample", json=edit)).json()["error"]
