"""What the candidate's phone shows of the templates the business sends, what tapping their buttons sends the
business, and the log of every Graph call the relay made."""

from __future__ import annotations

import json

from .tenants import APP_SECRET, V, candidate_says, connect

CANDIDATE = "212600000001"
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000")


def _add_template(sim, tenant, name: str, components: list[dict], parameter_format: str = "POSITIONAL") -> None:
    """A template on the tenant's WABA as WhatsApp Manager would hold it once approved."""
    sim.approve_template(tenant.waba_id, name, components, parameter_format=parameter_format)


SHIFT = [
    {"type": "HEADER", "format": "TEXT", "text": "Shift for {{1}}"},
    {"type": "BODY", "text": "Hi {{1}}, the *{{2}}* shift pays _{{3}}_ on ~Monday~ {{4}}. Code: ```{{5}}```"},
    {"type": "FOOTER", "text": "Reply STOP to opt out"},
    {"type": "BUTTONS", "buttons": [
        {"type": "QUICK_REPLY", "text": "I'll take it"},
        {"type": "QUICK_REPLY", "text": "Not this time"},
        {"type": "URL", "text": "See the shift", "url": "https://jobs.example.com/shifts/{{1}}"},
        {"type": "PHONE_NUMBER", "text": "Call us", "phone_number": "+15550100200"},
        {"type": "COPY_CODE", "example": "SHIFT42"},
    ]},
]  # fmt: skip


def _shift_send(to: str = CANDIDATE) -> dict:
    return {"messaging_product": "whatsapp", "to": to, "type": "template", "template": {
        "name": "shift_offer", "language": {"code": "en_US"}, "components": [
            {"type": "header", "parameters": [{"type": "text", "text": "Amina"}]},
            {"type": "body", "parameters": [
                {"type": "text", "text": "Amina"}, {"type": "text", "text": "night"},
                {"type": "currency", "currency": {"fallback_value": "€120", "code": "EUR", "amount_1000": 120000}},
                {"type": "date_time", "date_time": {"fallback_value": "Tuesday 4 May"}},
                {"type": "text", "text": "N-42"}]},
            {"type": "button", "sub_type": "quick_reply", "index": "0",
             "parameters": [{"type": "payload", "payload": "TAKE-SHIFT-42"}]},
            {"type": "button", "sub_type": "url", "index": "2", "parameters": [{"type": "text", "text": "42"}]},
            {"type": "button", "sub_type": "copy_code", "index": 4,
             "parameters": [{"type": "coupon_code", "coupon_code": "N42"}]},
        ]}}  # fmt: skip


async def _conversation(client, tenant, key: str = CANDIDATE) -> list[dict]:
    answer = await client.get("/_sim/meta/conversation", params={"phone_number_id": tenant.phone_number_id,
                                                                 "candidate": key})  # fmt: skip
    return answer.json()["data"]


async def test_a_sent_template_comes_back_rendered_with_its_parameters_filled_in(client, sim):
    tenant = await connect(client)
    _add_template(sim, tenant, "shift_offer", SHIFT)
    sent = await client.post(f"/{V}/{tenant.phone_number_id}/messages", headers=tenant.headers, json=_shift_send())
    assert sent.status_code == 200, sent.text

    [item] = await _conversation(client, tenant)
    assert item["direction"] == "out" and item["type"] == "template"
    shown = item["rendered"]
    assert shown["header"] == {"type": "text", "text": "Shift for Amina"}
    # WhatsApp's formatting marks stay in the text: the phone draws them; the currency and date show their fallback
    assert shown["body"] == "Hi Amina, the *night* shift pays _€120_ on ~Monday~ Tuesday 4 May. Code: ```N-42```"
    assert shown["footer"] == "Reply STOP to opt out"
    assert shown["buttons"] == [
        {"index": 0, "type": "QUICK_REPLY", "text": "I'll take it", "payload": "TAKE-SHIFT-42"},
        {"index": 1, "type": "QUICK_REPLY", "text": "Not this time", "payload": "Not this time"},
        {"index": 2, "type": "URL", "text": "See the shift", "url": "https://jobs.example.com/shifts/42"},
        {"index": 3, "type": "PHONE_NUMBER", "text": "Call us", "phone_number": "+15550100200"},
        {"index": 4, "type": "COPY_CODE", "text": "Copy code", "code": "N42"},
    ]


async def test_named_parameters_and_media_headers_show_the_names_the_phone_shows(client, sim):
    tenant = await connect(client)
    await candidate_says(client, tenant)
    _add_template(sim, tenant, "contract_ready", [
        {"type": "HEADER", "format": "DOCUMENT"},
        {"type": "BODY", "text": "Hi {{first_name}}, your contract from {{agency}} is attached."},
    ], parameter_format="NAMED")  # fmt: skip
    send = {"messaging_product": "whatsapp", "to": CANDIDATE, "type": "template", "template": {
        "name": "contract_ready", "language": {"code": "en_US"}, "components": [
            {"type": "header", "parameters": [{"type": "document", "document": {
                "link": "https://files.example.com/contracts/Contract%20Amina.pdf?sig=abc"}}]},
            {"type": "body", "parameters": [
                {"type": "text", "parameter_name": "agency", "text": "Acme Staffing"},
                {"type": "text", "parameter_name": "first_name", "text": "Amina"}]}]}}  # fmt: skip
    assert (await client.post(f"/{V}/{tenant.phone_number_id}/messages", headers=tenant.headers,
                              json=send)).status_code == 200  # fmt: skip
    flyer = (await _conversation(client, tenant))[-1]
    assert flyer["rendered"]["header"]["type"] == "document"
    assert flyer["rendered"]["header"]["name"] == "Contract Amina.pdf"
    assert flyer["rendered"]["body"] == "Hi Amina, your contract from Acme Staffing is attached."
    assert flyer["rendered"]["footer"] is None and flyer["rendered"]["buttons"] == []


async def test_tapping_a_quick_reply_sends_the_button_webhook_quoting_the_template(client, sim, receiver):
    tenant = await connect(client)
    _add_template(sim, tenant, "shift_offer", SHIFT)
    sent = await client.post(f"/{V}/{tenant.phone_number_id}/messages", headers=tenant.headers, json=_shift_send())
    wamid = sent.json()["messages"][0]["id"]
    before = len(receiver.requests)

    tapped = await client.post("/_sim/meta/tap", json={"phone_number_id": tenant.phone_number_id,
                                                       "message_id": wamid, "button": 0})  # fmt: skip
    assert tapped.status_code == 200, tapped.text
    assert tapped.json()["status"] == 200  # the relay (here: the receiver) took it
    [posted] = receiver.requests[before:]
    value = json.loads(posted.content)["entry"][0]["changes"][0]["value"]
    [message] = value["messages"]
    number = sim.numbers[tenant.phone_number_id]
    assert message["type"] == "button" and message["from"] == CANDIDATE
    assert message["button"] == {"payload": "TAKE-SHIFT-42", "text": "I'll take it"}
    assert message["context"] == {"from": number.digits, "id": wamid}
    assert value["contacts"][0]["wa_id"] == CANDIDATE

    second = await client.post("/_sim/meta/tap", json={"phone_number_id": tenant.phone_number_id,
                                                       "message_id": wamid, "button": 1})  # fmt: skip
    no_payload = json.loads(receiver.requests[-1].content)["entry"][0]["changes"][0]["value"]["messages"][0]
    assert second.status_code == 200 and no_payload["button"] == {"payload": "Not this time", "text": "Not this time"}
    # the candidate's tap opens the service window, as any message of theirs does
    assert sim.window_open(tenant.phone_number_id, CANDIDATE)


async def test_buttons_that_open_something_on_the_phone_send_no_webhook(client, sim, receiver):
    tenant = await connect(client)
    _add_template(sim, tenant, "shift_offer", SHIFT)
    sent = await client.post(f"/{V}/{tenant.phone_number_id}/messages", headers=tenant.headers, json=_shift_send())
    wamid = sent.json()["messages"][0]["id"]
    before = len(receiver.requests)
    for button in (2, 3, 4, 5, "0"):
        refused = await client.post("/_sim/meta/tap", json={"phone_number_id": tenant.phone_number_id,
                                                            "message_id": wamid, "button": button})  # fmt: skip
        assert refused.status_code == 400, button
    assert "QUICK_REPLY" in refused.json()["error"] or "index" in refused.json()["error"]
    unknown = await client.post("/_sim/meta/tap", json={"phone_number_id": tenant.phone_number_id,
                                                        "message_id": "wamid.nope", "button": 0})  # fmt: skip
    assert unknown.status_code == 400
    assert len(receiver.requests) == before


async def test_interactive_reply_buttons_and_list_rows_answer_as_interactive_replies(client, receiver):
    tenant = await connect(client)
    await candidate_says(client, tenant)
    buttons = {"messaging_product": "whatsapp", "to": CANDIDATE, "type": "interactive", "interactive": {
        "type": "button", "body": {"text": "Can you come on Monday?"}, "action": {"buttons": [
            {"type": "reply", "reply": {"id": "yes-monday", "title": "Yes"}},
            {"type": "reply", "reply": {"id": "no-monday", "title": "No"}}]}}}  # fmt: skip
    sent = await client.post(f"/{V}/{tenant.phone_number_id}/messages", headers=tenant.headers, json=buttons)
    assert sent.status_code == 200, sent.text
    wamid = sent.json()["messages"][0]["id"]
    tapped = await client.post("/_sim/meta/tap", json={"phone_number_id": tenant.phone_number_id,
                                                       "message_id": wamid, "button": 1})  # fmt: skip
    assert tapped.status_code == 200, tapped.text
    message = json.loads(receiver.requests[-1].content)["entry"][0]["changes"][0]["value"]["messages"][0]
    assert message["type"] == "interactive" and message["context"]["id"] == wamid
    assert message["interactive"] == {"type": "button_reply", "button_reply": {"id": "no-monday", "title": "No"}}

    rows = {"messaging_product": "whatsapp", "to": CANDIDATE, "type": "interactive", "interactive": {
        "type": "list", "body": {"text": "Pick a shift"}, "action": {"button": "Shifts", "sections": [
            {"title": "This week", "rows": [
                {"id": "mon-night", "title": "Monday night", "description": "22-6"}]}]}}}  # fmt: skip
    sent = await client.post(f"/{V}/{tenant.phone_number_id}/messages", headers=tenant.headers, json=rows)
    assert sent.status_code == 200, sent.text
    tapped = await client.post("/_sim/meta/tap", json={"phone_number_id": tenant.phone_number_id,
                                                       "message_id": sent.json()["messages"][0]["id"],
                                                       "row": "mon-night"})  # fmt: skip
    assert tapped.status_code == 200, tapped.text
    message = json.loads(receiver.requests[-1].content)["entry"][0]["changes"][0]["value"]["messages"][0]
    assert message["interactive"] == {"type": "list_reply", "list_reply": {
        "id": "mon-night", "title": "Monday night", "description": "22-6"}}  # fmt: skip


async def test_the_call_log_lists_every_graph_call_with_its_status_and_no_secret(client, sim):
    tenant = await connect(client)  # code exchange, subscribed_apps, register
    said = await candidate_says(client, tenant)
    headers = tenant.headers
    pnid = tenant.phone_number_id
    await client.post(f"/{V}/{pnid}/messages", headers=headers,
                      json={"messaging_product": "whatsapp", "status": "read", "message_id": said["message_id"]})
    await client.get(f"/{V}/{tenant.waba_id}/message_templates", headers=headers, params={"fields": "name"})
    uploaded = await client.post(f"/{V}/{pnid}/media", headers=headers, data={"messaging_product": "whatsapp"},
                                 files={"file": ("cv.png", PNG, "image/png")})  # fmt: skip
    info = (await client.get(f"/{V}/{uploaded.json()['id']}", headers=headers)).json()
    url = info["url"].removeprefix("http://meta.test")
    assert (await client.get(url, headers=headers)).status_code == 200
    refused = await client.post(f"/{V}/{pnid}/messages", headers=headers, json={"messaging_product": "whatsapp",
                                "to": CANDIDATE, "type": "text", "text": {"body": "x" * 5000}})  # fmt: skip
    assert refused.status_code == 400

    log = (await client.get("/_sim/meta/graph_calls")).json()
    calls = [(c["method"], c["path"], c["status"]) for c in log["data"]]
    assert calls == [
        ("GET", f"/{V}/oauth/access_token", 200),
        ("POST", f"/{V}/{tenant.waba_id}/subscribed_apps", 200),
        ("POST", f"/{V}/{pnid}/register", 200),
        ("POST", f"/{V}/{pnid}/messages", 200),
        ("GET", f"/{V}/{tenant.waba_id}/message_templates", 200),
        ("POST", f"/{V}/{pnid}/media", 200),
        ("GET", f"/{V}/{uploaded.json()['id']}", 200),
        ("GET", url.split("?")[0], 200),
        ("POST", f"/{V}/{pnid}/messages", 400),
    ]
    assert log["total"] == len(calls)
    assert log["data"][3]["request"] == {"messaging_product": "whatsapp", "status": "read",
                                         "message_id": said["message_id"]}  # fmt: skip
    assert log["data"][5]["request"]["content_type"] == "multipart/form-data"
    assert log["data"][-1]["error_code"] == 100
    assert log["data"][0]["query"]["client_secret"] == "***" and log["data"][0]["query"]["code"] == "***"
    assert log["data"][0]["response"]["access_token"] == "***"
    assert log["data"][2]["request"]["pin"] == "***"
    assert log["data"][7]["query"]["token"] == "***"
    shown = json.dumps(log)
    assert tenant.token not in shown and APP_SECRET not in shown
    state = (await client.get("/_sim/meta/state")).json()
    assert state["counts"]["graph_calls"] == len(calls)
