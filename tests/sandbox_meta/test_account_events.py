"""Account-level webhook fields (reference 3.8): realistic payloads, where they are routed, and what each event
changes in the simulated world."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest

from .tenants import APP_SECRET, V, connect, error_of

OVERRIDE = "https://relay.test/webhooks/override"


@pytest.fixture
async def tenant(client):
    return await connect(client)


async def _event(client, **body) -> dict:
    response = await client.post("/_sim/meta/events", json=body)
    assert response.status_code == 200, response.text
    return response.json()


def _posted(receiver) -> tuple[str, dict]:
    request = receiver.requests[-1]
    expected = "sha256=" + hmac.new(APP_SECRET.encode(), request.content, hashlib.sha256).hexdigest()
    assert request.headers["x-hub-signature-256"] == expected
    return str(request.url), json.loads(request.content)


async def test_partner_events_sit_under_the_partner_business_and_need_no_subscription(client, sim, receiver):
    tenant = await connect(client, subscribe=False)
    answer = await _event(client, field="account_update", waba_id=tenant.waba_id, event="PARTNER_ADDED")
    assert answer["status"] == 200
    _, payload = _posted(receiver)
    (entry,) = payload["entry"]
    assert entry["id"] == sim.partner_business_id and isinstance(entry["time"], int)
    assert entry["changes"] == [{"value": {"event": "PARTNER_ADDED", "waba_info": {
        "waba_id": tenant.waba_id, "owner_business_id": tenant.business_id}}, "field": "account_update"}]  # fmt: skip


@pytest.mark.parametrize(
    ("event", "key"),
    [("ACCOUNT_VIOLATION", "violation_info"), ("ACCOUNT_RESTRICTION", "restriction_info"),
     ("DISABLED_UPDATE", "ban_info"), ("ACCOUNT_DELETED", None)],
)  # fmt: skip
async def test_other_account_updates_sit_under_the_waba(client, tenant, receiver, event, key):
    await _event(client, field="account_update", waba_id=tenant.waba_id, event=event)
    _, payload = _posted(receiver)
    (entry,) = payload["entry"]
    value = entry["changes"][0]["value"]
    assert entry["id"] == tenant.waba_id and value["event"] == event
    assert (key in value) if key else set(value) == {"event"}


async def test_a_template_status_update_changes_what_can_be_sent(client, tenant, receiver):
    await _event(client, field="message_template_status_update", waba_id=tenant.waba_id, name="interview_invite",
                 event="PAUSED", reason="LOW_QUALITY")  # fmt: skip
    _, payload = _posted(receiver)
    value = payload["entry"][0]["changes"][0]["value"]
    assert value["event"] == "PAUSED" and value["message_template_name"] == "interview_invite"
    assert isinstance(value["message_template_id"], int) and value["message_template_language"] == "en_US"
    assert value["reason"] == "LOW_QUALITY" and payload["entry"][0]["changes"][0]["field"] == (
        "message_template_status_update")
    template = {"name": "interview_invite", "language": {"code": "en_US"}, "components": [
        {"type": "body", "parameters": [{"type": "text", "text": "A"}, {"type": "text", "text": "B"}]}]}  # fmt: skip
    send = await client.post(f"/{V}/{tenant.phone_number_id}/messages", headers=tenant.headers,
                             json={"messaging_product": "whatsapp", "to": "212600000001", "type": "template",
                                   "template": template})  # fmt: skip
    assert error_of(send)["code"] == 132015


async def test_category_and_quality_updates(client, tenant, receiver):
    await _event(client, field="template_category_update", waba_id=tenant.waba_id, name="hello_world",
                 new_category="MARKETING")  # fmt: skip
    value = _posted(receiver)[1]["entry"][0]["changes"][0]["value"]
    assert (value["previous_category"], value["new_category"]) == ("UTILITY", "MARKETING")
    await _event(client, field="message_template_quality_update", waba_id=tenant.waba_id, name="hello_world")
    value = _posted(receiver)[1]["entry"][0]["changes"][0]["value"]
    assert value["new_quality_score"] == "YELLOW" and value["message_template_name"] == "hello_world"


async def test_quality_and_name_updates_change_the_number(client, tenant, receiver):
    await _event(client, field="phone_number_quality_update", phone_number_id=tenant.phone_number_id,
                 event="THROUGHPUT_UPGRADE")  # fmt: skip
    value = _posted(receiver)[1]["entry"][0]["changes"][0]["value"]
    assert value["event"] == "THROUGHPUT_UPGRADE" and value["display_phone_number"].isdigit()
    state = (await client.get("/_sim/meta/state")).json()
    assert state["wabas"][0]["numbers"][0]["throughput_per_second"] == 1000
    await _event(client, field="phone_number_name_update", phone_number_id=tenant.phone_number_id,
                 requested_verified_name="Client Company 1")  # fmt: skip
    value = _posted(receiver)[1]["entry"][0]["changes"][0]["value"]
    assert value["decision"] == "APPROVED" and value["requested_verified_name"] == "Client Company 1"


async def test_message_like_fields_follow_overrides_and_account_fields_do_not(client, tenant, receiver):
    overridden = await client.post(f"/{V}/{tenant.waba_id}/subscribed_apps", headers=tenant.headers,
                                   json={"override_callback_uri": OVERRIDE, "verify_token": "v"})  # fmt: skip
    assert overridden.json() == {"success": True}
    await _event(client, field="calls", phone_number_id=tenant.phone_number_id, **{"from": "212600000001"})
    url, payload = _posted(receiver)
    call = payload["entry"][0]["changes"][0]["value"]["calls"][0]
    assert url == OVERRIDE and call["event"] == "terminate" and call["status"] == "FAILED"  # a missed call
    assert call["id"].startswith("wacid.") and call["direction"] == "USER_INITIATED"
    await _event(client, field="message_template_status_update", waba_id=tenant.waba_id, name="hello_world")
    assert _posted(receiver)[0] != OVERRIDE


async def test_echoes_history_and_preferences(client, tenant, receiver):
    await _event(client, field="smb_message_echoes", phone_number_id=tenant.phone_number_id, to="212600000001",
                 text="We will call you at 10")  # fmt: skip
    echo = _posted(receiver)[1]["entry"][0]["changes"][0]["value"]["message_echoes"][0]
    assert echo["to"] == "212600000001" and echo["text"] == {"body": "We will call you at 10"}
    assert echo["from"].isdigit() and echo["id"].startswith("wamid.")

    await _event(client, field="history", phone_number_id=tenant.phone_number_id, phase=1, chunk_order=2)
    chunk = _posted(receiver)[1]["entry"][0]["changes"][0]["value"]["history"][0]
    assert chunk["metadata"] == {"phase": 1, "chunk_order": 2, "progress": 100}
    assert chunk["threads"][0]["messages"][0]["history_context"] == {"status": "READ"}
    await _event(client, field="history", phone_number_id=tenant.phone_number_id, declined=True)
    chunk = _posted(receiver)[1]["entry"][0]["changes"][0]["value"]["history"][0]
    assert chunk["errors"][0]["code"] == 2593109

    await _event(client, field="user_preferences", phone_number_id=tenant.phone_number_id, **{"from": "212600000001"})
    value = _posted(receiver)[1]["entry"][0]["changes"][0]["value"]
    (preference,) = value["user_preferences"]
    assert preference["value"] == "stop" and preference["category"] == "marketing_messages"
    assert preference["detail"] == "User requested to stop marketing messages" and value["contacts"][0]["wa_id"]


async def test_unknown_fields_and_unsubscribed_wabas(client, receiver):
    assert (await client.post("/_sim/meta/events", json={"field": "nope"})).status_code == 400
    tenant = await connect(client, subscribe=False)
    answer = await _event(client, field="calls", phone_number_id=tenant.phone_number_id)
    assert answer["delivered"] is False and "subscribed" in answer["reason"] and not receiver.requests
