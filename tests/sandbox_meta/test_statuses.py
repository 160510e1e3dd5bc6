"""Statuses follow sends by themselves: sent → delivered → read (→ played), sometimes out of order, with
Meta's pricing and conversation objects; doomed sends answer 200 and fail later in a ``failed`` status."""

from __future__ import annotations

import json
from dataclasses import replace

import httpx
import pytest

from sandbox.meta import create_meta_simulator
from sandbox.meta.strict import webhook_payload_errors

from .tenants import ORIGIN, V, candidate_says, connect, error_of

CANDIDATE = "212600000001"


@pytest.fixture
async def tenant(client):
    return await connect(client)


def _template(name="interview_invite", params=("Ahmed", "Forklift driver"), to=CANDIDATE, language="en_US"):
    template = {"name": name, "language": {"code": language}}
    if params:
        template["components"] = [{"type": "body", "parameters": [{"type": "text", "text": p} for p in params]}]
    return {"messaging_product": "whatsapp", "to": to, "type": "template", "template": template}


def _text(body="Thanks, see you tomorrow", to=CANDIDATE):
    return {"messaging_product": "whatsapp", "to": to, "type": "text", "text": {"body": body}}


async def _send(client, tenant, body) -> httpx.Response:
    return await client.post(f"/{V}/{tenant.phone_number_id}/messages", headers=tenant.headers, json=body)


async def _settings(client, **blocks) -> None:
    response = await client.patch("/_sim/meta/settings", json=blocks)
    assert response.status_code == 200, response.text


MARKETING = {"name": "job_opportunity", "params": ("Karim", "cariste"), "language": "fr"}


def _statuses(receiver) -> list[dict]:
    return [s for r in receiver.requests for e in _json(r)["entry"] for c in e["changes"]
            for s in c["value"].get("statuses", [])]  # fmt: skip


def _json(request: httpx.Request) -> dict:
    return json.loads(request.content)


async def _advance(client, clock, seconds: float) -> None:
    clock.advance(seconds)
    await client.post("/_sim/meta/deliveries/flush")


async def test_sent_delivered_read_follow_a_send_by_themselves(client, tenant, clock, receiver):
    await _settings(client, statuses={"auto": True})
    wamid = (await _send(client, tenant, _template())).json()["messages"][0]["id"]
    await client.post("/_sim/meta/deliveries/flush")
    assert not _statuses(receiver)  # nothing before its time
    await _advance(client, clock, 0.1)
    assert [s["status"] for s in _statuses(receiver)] == ["sent"]
    await _advance(client, clock, 0.2)
    await _advance(client, clock, 0.7)
    sent, delivered, read = _statuses(receiver)
    assert [s["status"] for s in (sent, delivered, read)] == ["sent", "delivered", "read"]
    assert {s["id"] for s in (sent, delivered, read)} == {wamid}
    assert all(s["recipient_id"] == CANDIDATE for s in (sent, delivered, read))
    assert sent["pricing"] == {"billable": True, "pricing_model": "PMP", "type": "regular", "category": "utility"}
    assert delivered["pricing"] == sent["pricing"] and "pricing" not in read
    assert "conversation" not in sent  # v24.0 drops it outside free entry points
    assert int(read["timestamp"]) - int(sent["timestamp"]) in (0, 1)
    assert not any(webhook_payload_errors(_json(r)) for r in receiver.requests)
    record = (await client.get("/_sim/meta/messages")).json()["data"][0]
    assert record["status"] == "read" and record["statuses"] == ["sent", "delivered", "read"]


async def test_out_of_order_delivered_arrives_after_read_and_pricing_moves_to_read(client, tenant, clock, receiver):
    await _settings(client, statuses={"auto": True, "out_of_order_every": 1})
    await _send(client, tenant, _template())
    await _advance(client, clock, 5)
    sent, read, delivered = _statuses(receiver)
    assert [s["status"] for s in (sent, read, delivered)] == ["sent", "read", "delivered"]
    assert "pricing" in read and "pricing" not in delivered


async def test_voice_notes_are_played_after_read(client, tenant, clock, receiver):
    await _settings(client, statuses={"auto": True})
    await candidate_says(client, tenant, wa_id=CANDIDATE)
    audio = {"messaging_product": "whatsapp", "to": CANDIDATE, "type": "audio",
             "audio": {"link": "https://cdn.example/note.ogg"}}  # fmt: skip
    await _send(client, tenant, audio)
    await _advance(client, clock, 5)
    statuses = _statuses(receiver)
    assert [s["status"] for s in statuses] == ["sent", "delivered", "read", "played"]
    assert statuses[0]["pricing"]["type"] == "free_customer_service" and statuses[0]["pricing"]["billable"] is False


async def test_prices_follow_the_window_and_the_category(client, tenant, clock, receiver):
    await _settings(client, statuses={"auto": True, "read_after_seconds": None})
    await _send(client, tenant, _template())  # utility, no window: billable
    await candidate_says(client, tenant, wa_id=CANDIDATE)
    await _send(client, tenant, _template())  # utility inside an open window: free
    await _send(client, tenant, _text())
    await _send(client, tenant, _template(**MARKETING))  # marketing is billable, window or not
    await _advance(client, clock, 5)
    prices = [s["pricing"] for s in _statuses(receiver) if s["status"] == "sent"]
    assert prices == [
        {"billable": True, "pricing_model": "PMP", "type": "regular", "category": "utility"},
        {"billable": False, "pricing_model": "PMP", "type": "free_customer_service", "category": "utility"},
        {"billable": False, "pricing_model": "PMP", "type": "free_customer_service", "category": "service"},
        {"billable": True, "pricing_model": "PMP", "type": "regular", "category": "marketing"},
    ]


async def test_an_ad_click_opens_a_free_entry_point_with_its_conversation(client, tenant, clock, receiver):
    await _settings(client, statuses={"auto": True, "read_after_seconds": None})
    sample = {"phone_number_id": tenant.phone_number_id, "sample": "referral", "from": CANDIDATE}
    assert (await client.post("/_sim/meta/inbound/sample", json=sample)).status_code == 200
    await _send(client, tenant, _text())
    await _advance(client, clock, 5)
    sent = next(s for s in _statuses(receiver) if s["status"] == "sent")
    assert sent["pricing"] == {"billable": False, "pricing_model": "PMP", "type": "free_entry_point",
                               "category": "referral_conversion"}  # fmt: skip
    conversation = sent["conversation"]
    assert conversation["origin"] == {"type": "referral_conversion"}
    assert int(conversation["expiration_timestamp"]) == int(clock.now - 5) + 72 * 3600


async def test_before_v24_every_priced_status_carries_its_conversation(config, clock, receiver):
    app = create_meta_simulator(replace(config, api_version="v23.0"),
                                webhook_transport=httpx.MockTransport(receiver.handler), clock=clock)  # fmt: skip
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=ORIGIN) as client:
        await _settings(client, statuses={"auto": True})
        seeded = (await client.post("/_sim/meta/seed", json={"registered": True, "subscribed": True})).json()
        response = await client.post(f"/v23.0/{seeded['phone_number_ids'][0]}/messages", json=_template(),
                                     headers={"Authorization": f"Bearer {seeded['token']}"})  # fmt: skip
        assert response.status_code == 200, response.text
        clock.advance(5)
        await client.post("/_sim/meta/deliveries/flush")
    sent, delivered, read = _statuses(receiver)
    assert sent["conversation"]["origin"] == {"type": "utility"} and "expiration_timestamp" in sent["conversation"]
    assert delivered["conversation"]["id"] == sent["conversation"]["id"] and "conversation" not in read


@pytest.mark.parametrize("code", [131026, 131049, 131047])
async def test_a_recipient_fault_answers_200_then_fails_later(client, tenant, clock, receiver, code):
    fault = {"wa_id": CANDIDATE, "error_code": code, "count": 1}
    assert (await client.post("/_sim/meta/recipient_faults", json=fault)).status_code == 200
    response = await _send(client, tenant, _template())
    assert response.status_code == 200
    await _advance(client, clock, 1)
    (failed,) = _statuses(receiver)
    assert failed["status"] == "failed" and failed["id"] == response.json()["messages"][0]["id"]
    assert failed["errors"][0]["code"] == code and failed["errors"][0]["error_data"]["details"]
    assert "pricing" not in failed
    assert (await client.get("/_sim/meta/recipient_faults")).json()["data"] == []  # its one use is spent
    await _send(client, tenant, _template())
    await _advance(client, clock, 1)
    assert [s["status"] for s in _statuses(receiver)] == ["failed"]  # statuses are off: nothing else


async def test_a_number_fault_fails_every_send_from_that_number(client, tenant, clock, receiver):
    await client.post("/_sim/meta/recipient_faults", json={"phone_number_id": tenant.phone_number_id,
                                                           "error_code": 131049})  # fmt: skip
    for to in (CANDIDATE, "212600000002"):
        assert (await _send(client, tenant, _template(to=to))).status_code == 200
    await _advance(client, clock, 1)
    assert [(s["recipient_id"], s["errors"][0]["code"]) for s in _statuses(receiver)] == [
        (CANDIDATE, 131049), ("212600000002", 131049)]
    assert (await client.post("/_sim/meta/recipient_faults", json={"error_code": 1})).status_code == 400
    await client.delete("/_sim/meta/recipient_faults")
    assert (await client.get("/_sim/meta/recipient_faults")).json()["data"] == []


async def test_a_closed_window_fails_at_once_or_later_as_switched(client, tenant, clock, receiver):
    immediate = await _send(client, tenant, _text())
    assert immediate.status_code == 400 and error_of(immediate)["code"] == 131047
    await _settings(client, sending={"window_failure": "status"})
    later = await _send(client, tenant, _text())
    assert later.status_code == 200 and later.json()["messages"][0]["id"].startswith("wamid.")
    await _advance(client, clock, 1)
    (failed,) = _statuses(receiver)
    assert failed["status"] == "failed" and failed["errors"][0]["code"] == 131047
    assert "24 hours" in failed["errors"][0]["error_data"]["details"]


async def test_marketing_templates_to_an_opted_out_candidate_fail_with_131050(client, tenant, clock, receiver):
    stop = {"field": "user_preferences", "phone_number_id": tenant.phone_number_id, "from": CANDIDATE, "value": "stop"}
    assert (await client.post("/_sim/meta/events", json=stop)).json()["status"] == 200
    marketing = await _send(client, tenant, _template(**MARKETING))
    utility = await _send(client, tenant, _template())
    assert marketing.status_code == utility.status_code == 200
    await _advance(client, clock, 1)
    (failed,) = [s for s in _statuses(receiver) if s["status"] == "failed"]
    assert failed["id"] == marketing.json()["messages"][0]["id"] and failed["errors"][0]["code"] == 131050
    resume = {**stop, "value": "resume"}
    await client.post("/_sim/meta/events", json=resume)
    await _send(client, tenant, _template(**MARKETING))
    await _advance(client, clock, 1)
    assert len([s for s in _statuses(receiver) if s["status"] == "failed"]) == 1
