"""Sending like Meta: per-number throughput (130429), the pair rate (131056), the wa_id Meta answers, and media
links fetched by Meta itself, failing later when they need a login or answer an error."""

from __future__ import annotations

import json

import httpx
import pytest

from sandbox.meta import create_meta_simulator

from .tenants import ORIGIN, V, candidate_says, connect, error_of

CANDIDATE = "212600000001"
PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


def _template(to: str = CANDIDATE) -> dict:
    template = {"name": "hello_world", "language": {"code": "en_US"}}
    return {"messaging_product": "whatsapp", "to": to, "type": "template", "template": template}


async def _send(client, tenant, body) -> httpx.Response:
    return await client.post(f"/{V}/{tenant.phone_number_id}/messages", headers=tenant.headers, json=body)


@pytest.fixture
async def tenant(client):
    return await connect(client)


async def test_a_number_sends_80_messages_a_second_then_130429(client, tenant, clock):
    recipients = [f"2126{i:08d}" for i in range(81)]
    answers = [await _send(client, tenant, _template(to)) for to in recipients]
    assert all(a.status_code == 200 for a in answers[:80])
    error = error_of(answers[80])
    assert answers[80].status_code == 400 and error["code"] == 130429 and error["is_transient"] is True
    clock.advance(0.05)  # 4 tokens come back
    assert [(await _send(client, tenant, _template(to))).status_code for to in recipients[:5]] == [200] * 4 + [400]
    listed = (await client.get("/_sim/meta/messages")).json()
    assert listed["refused"] == {"130429": 2} and len(listed["data"]) == 84  # what a benchmark counts


async def test_throughput_is_configurable_per_number_and_coexistence_numbers_get_20(client, tenant):
    answer = await client.patch(f"/_sim/meta/numbers/{tenant.phone_number_id}", json={"throughput_per_second": 3})
    assert answer.json() == {"success": True, "throughput_per_second": 3.0}
    codes = [(await _send(client, tenant, _template(f"21260000000{i}"))).status_code for i in range(4)]
    assert codes == [200, 200, 200, 400]
    coexistence = await connect(client, register=False, numbers=1, coexistence=True)
    state = (await client.get("/_sim/meta/state")).json()
    (number,) = [n for w in state["wabas"] for n in w["numbers"] if n["id"] == coexistence.phone_number_id]
    assert number["throughput_per_second"] == 20


async def test_the_pair_rate_allows_a_short_burst_then_131056(client, tenant, clock):
    await client.patch("/_sim/meta/settings", json={"sending": {"pair_rate_burst": 3}})
    codes = [(await _send(client, tenant, _template())).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 400]
    refused = await _send(client, tenant, _template())
    assert error_of(refused)["code"] == 131056
    assert (await client.get("/_sim/meta/messages")).json()["refused"] == {"131056": 2}
    assert (await _send(client, tenant, _template("212600000002"))).status_code == 200  # another user
    clock.advance(5.9)
    assert error_of(await _send(client, tenant, _template()))["code"] == 131056
    clock.advance(0.2)  # one message every six seconds
    assert (await _send(client, tenant, _template())).status_code == 200


async def test_the_default_burst_is_metas_45(client, tenant):
    codes = [(await _send(client, tenant, _template())).status_code for _ in range(46)]
    assert codes.count(200) == 45 and codes[-1] == 400


@pytest.mark.parametrize(
    ("given", "wa_id"),
    [
        ("+55 11 98765-4321", "551187654321"),  # Brazil: the ninth digit is not in the wa_id
        ("551187654321", "551187654321"),
        ("+52 55 1234 5678", "5215512345678"),  # Mexico: wa_ids carry the 1 after 52
        ("+212 6 00 00 00 01", "212600000001"),
    ],
)
async def test_the_wa_id_in_the_answer_may_differ_from_the_input(client, tenant, given, wa_id):
    await client.patch("/_sim/meta/settings", json={"sending": {"normalize_wa_ids": True}})
    answer = (await _send(client, tenant, _template(given))).json()
    assert answer["contacts"] == [{"input": given, "wa_id": wa_id}]


async def test_the_window_belongs_to_the_wa_id_not_to_what_was_typed(client, tenant):
    await client.patch("/_sim/meta/settings", json={"sending": {"normalize_wa_ids": True}})
    await candidate_says(client, tenant, wa_id="551187654321")
    text = {"messaging_product": "whatsapp", "to": "+5511987654321", "type": "text", "text": {"body": "Oi"}}
    assert (await _send(client, tenant, text)).status_code == 200
    await client.patch("/_sim/meta/settings", json={"sending": {"normalize_wa_ids": False}})
    assert error_of(await _send(client, tenant, text))["code"] == 131047
    await client.post("/_sim/meta/wa_ids", json={"input": "5511987654321", "wa_id": "551187654321"})
    assert (await _send(client, tenant, text)).json()["contacts"][0]["wa_id"] == "551187654321"


async def test_inbound_senders_carry_metas_wa_id_too(client, tenant):
    await client.patch("/_sim/meta/settings", json={"sending": {"normalize_wa_ids": True}})
    answer = await candidate_says(client, tenant, wa_id="5511987654321")
    value = answer["payload"]["entry"][0]["changes"][0]["value"]
    assert value["messages"][0]["from"] == "551187654321" and value["contacts"][0]["wa_id"] == "551187654321"
    text = {"messaging_product": "whatsapp", "to": "551187654321", "type": "text", "text": {"body": "Oi"}}
    assert (await _send(client, tenant, text)).status_code == 200


def _slack_like(request: httpx.Request) -> httpx.Response:
    """Files as a Slack workspace serves them: url_private needs a token; without one, a login page."""
    path = request.url.path
    if path == "/files-pri/T1-F1/cv.pdf":
        return httpx.Response(302, headers={"Location": "https://files.slack.test/signin?redir=cv.pdf"})
    if path == "/signin":
        return httpx.Response(200, text="<html><body>Sign in to Slack</body></html>",
                              headers={"Content-Type": "text/html; charset=utf-8"})  # fmt: skip
    if path == "/files-pri/T1-F2/photo.jpg":
        return httpx.Response(403, text="forbidden")
    if path == "/public/cv.pdf":
        return httpx.Response(200, content=PDF, headers={"Content-Type": "application/pdf"})
    if path == "/gone.pdf":
        return httpx.Response(404)
    raise httpx.ConnectError("connection refused", request=request)


@pytest.fixture
async def linked(config, clock, receiver):
    app = create_meta_simulator(config, webhook_transport=httpx.MockTransport(receiver.handler),
                                media_transport=httpx.MockTransport(_slack_like), clock=clock)  # fmt: skip
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=ORIGIN) as client:
        await client.patch("/_sim/meta/settings", json={"sending": {"fetch_links": True}, "statuses": {"auto": True}})
        tenant = await connect(client)
        await candidate_says(client, tenant, wa_id=CANDIDATE)
        yield client, tenant


@pytest.mark.parametrize(
    ("kind", "link", "code", "fragment"),
    [
        ("document", "https://files.slack.test/files-pri/T1-F1/cv.pdf", 131053, "text/html"),
        ("image", "https://files.slack.test/files-pri/T1-F2/photo.jpg", 131053, "http code 403"),
        ("document", "https://files.slack.test/gone.pdf", 131053, "http code 404"),
        ("document", "https://unreachable.test/cv.pdf", 131052, "could not download"),
        ("image", "https://files.slack.test/public/cv.pdf", 131053, "cannot be sent as image"),
    ],
)
async def test_a_link_meta_cannot_fetch_fails_later(linked, clock, receiver, kind, link, code, fragment):
    client, tenant = linked
    body = {"messaging_product": "whatsapp", "to": CANDIDATE, "type": kind, kind: {"link": link}}
    sent = await _send(client, tenant, body)
    assert sent.status_code == 200  # accepted first: the fetch happens afterwards
    clock.advance(5)
    await client.post("/_sim/meta/deliveries/flush")
    statuses = [s for r in receiver.requests for e in json.loads(r.content)["entry"] for c in e["changes"]
                for s in c["value"].get("statuses", [])]  # fmt: skip
    assert [s["status"] for s in statuses] == ["failed"]
    assert statuses[0]["errors"][0]["code"] == code and fragment in statuses[0]["errors"][0]["error_data"]["details"]


async def test_a_public_link_is_fetched_and_the_message_proceeds(linked, clock, receiver):
    client, tenant = linked
    body = {"messaging_product": "whatsapp", "to": CANDIDATE, "type": "document",
            "document": {"link": "https://files.slack.test/public/cv.pdf", "filename": "cv.pdf"}}  # fmt: skip
    assert (await _send(client, tenant, body)).status_code == 200
    clock.advance(5)
    await client.post("/_sim/meta/deliveries/flush")
    record = (await client.get("/_sim/meta/messages")).json()["data"][-1]
    assert record["statuses"] == ["sent", "delivered", "read"] and record["link_fetch"]["failure"] is None
