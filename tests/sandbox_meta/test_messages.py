"""Sending: schema strictness, the service window, templates, account state, read receipts."""

from __future__ import annotations

import pytest

from .tenants import V, candidate_says, connect, error_of

CANDIDATE = "212600000001"


@pytest.fixture
async def tenant(client):
    return await connect(client)


def _send(client, tenant, body):
    return client.post(f"/{V}/{tenant.phone_number_id}/messages", headers=tenant.headers, json=body)


def _text(body="Hello", **extra):
    return {"messaging_product": "whatsapp", "to": CANDIDATE, "type": "text", "text": {"body": body}, **extra}


def _template(name="interview_invite", language="en_US", params=("Ahmed", "Forklift driver"), **extra):
    template = {"name": name, "language": {"code": language}}
    if params is not None:
        template["components"] = [
            {"type": "body", "parameters": [{"type": "text", "text": p} for p in params]}
        ]
    return {
        "messaging_product": "whatsapp",
        "to": CANDIDATE,
        "type": "template",
        "template": template,
        **extra,
    }


async def test_free_form_needs_an_open_window(client, tenant, clock):
    closed = await _send(client, tenant, _text())
    assert closed.status_code == 400 and error_of(closed)["code"] == 131047
    await candidate_says(client, tenant, wa_id=CANDIDATE)
    assert (await _send(client, tenant, _text())).status_code == 200
    clock.advance(24 * 3600 + 1)
    assert error_of(await _send(client, tenant, _text()))["code"] == 131047


async def test_window_is_per_candidate_and_number(client, clock):
    first = await connect(client)
    second = await connect(client)
    await candidate_says(client, first, wa_id=CANDIDATE)
    assert error_of(await _send(client, second, _text()))["code"] == 131047
    other = _text()
    other["to"] = "212600000099"
    assert error_of(await _send(client, first, other))["code"] == 131047


async def test_template_is_accepted_outside_the_window(client, tenant, sim):
    response = await _send(client, tenant, _template())
    assert response.status_code == 200, response.text
    message = response.json()["messages"][0]
    assert message["message_status"] == "accepted"
    assert sim.messages[-1]["template"]["name"] == "interview_invite"


async def test_template_language_policy_is_optional(client, tenant):
    body = _template()
    body["template"]["language"]["policy"] = "deterministic"
    assert (await _send(client, tenant, body)).status_code == 200


@pytest.mark.parametrize(
    ("name", "language", "code"),
    [
        ("no_such_template", "en_US", 132001),
        ("interview_invite", "fr", 132001),  # exists, but not in that language
        ("application_received", "en_US", 132001),  # PENDING
        ("salary_offer", "en_US", 132001),  # REJECTED
        ("weekly_jobs_digest", "en_US", 132015),  # PAUSED
        ("old_reminder", "en_US", 132016),  # DISABLED
    ],
)
async def test_unsendable_templates(client, tenant, name, language, code):
    response = await _send(client, tenant, _template(name, language, params=("x",)))
    assert error_of(response)["code"] == code


async def test_template_parameter_count_must_match(client, tenant):
    assert error_of(await _send(client, tenant, _template(params=("only one",))))["code"] == 132000
    assert error_of(await _send(client, tenant, _template(params=None)))["code"] == 132000
    french = _template("job_opportunity", "fr", params=("Karim", "cariste"))
    assert (await _send(client, tenant, french)).status_code == 200


async def test_named_parameters_must_name_every_placeholder(client, tenant):
    body = _template("candidate_follow_up", params=None)
    body["template"]["components"] = [
        {
            "type": "body",
            "parameters": [
                {"type": "text", "parameter_name": "first_name", "text": "Lina"},
                {"type": "text", "parameter_name": "recruiter_name", "text": "Sam"},
            ],
        }
    ]
    assert (await _send(client, tenant, body)).status_code == 200
    body["template"]["components"][0]["parameters"][1]["parameter_name"] = "boss"
    assert error_of(await _send(client, tenant, body))["code"] == 132000


async def test_media_header_template_needs_its_image(client, tenant):
    body = _template("job_flyer", params=("Night shift",))
    assert error_of(await _send(client, tenant, body))["code"] == 132012
    body["template"]["components"].insert(
        0,
        {"type": "header", "parameters": [{"type": "image", "image": {"link": "https://cdn.example/j.jpg"}}]},
    )
    assert error_of(await _send(client, tenant, body))["code"] == 132000  # the URL button needs its suffix
    body["template"]["components"].append(
        {"type": "button", "sub_type": "url", "index": "0", "parameters": [{"type": "text", "text": "4711"}]}
    )
    assert (await _send(client, tenant, body)).status_code == 200


@pytest.mark.parametrize(
    ("mutate", "fragment"),
    [
        (lambda b: b.update(preview=True), 'Unexpected key "preview"'),
        (lambda b: b["text"].update(colour="red"), 'Unexpected key "colour"'),
        (lambda b: b.update(image={"link": "https://x.example/a.jpg"}), 'Unexpected key "image"'),
        (lambda b: b.update(messaging_product="sms"), "messaging_product"),
        (lambda b: b.pop("messaging_product"), "messaging_product"),
        (lambda b: b.update(type="poll"), "type"),
        (lambda b: b.pop("text"), "text"),
        (lambda b: b["text"].pop("body"), "text['body']"),
        (lambda b: b.update(to="not-a-number"), ""),
        (lambda b: b.update(recipient_type="group"), ""),
        (lambda b: b.update(context={"id": "wamid.x"}), "context"),
    ],
)
async def test_malformed_sends_are_code_100(client, tenant, mutate, fragment):
    await candidate_says(client, tenant, wa_id=CANDIDATE)
    body = _text()
    mutate(body)
    error = error_of(await _send(client, tenant, body))
    assert error["code"] == 100 and fragment in error["message"] + error["error_data"]["details"]


async def test_type_defaults_to_text_like_metas_examples(client, tenant):
    await candidate_says(client, tenant, wa_id=CANDIDATE)
    body = _text()
    del body["type"]
    assert (await _send(client, tenant, body)).status_code == 200
    del body["text"]
    body["image"] = {"link": "https://cdn.example/a.jpg"}
    assert 'Unexpected key "image"' in error_of(await _send(client, tenant, body))["message"]


async def test_text_body_limit(client, tenant):
    await candidate_says(client, tenant, wa_id=CANDIDATE)
    assert (await _send(client, tenant, _text("x" * 4096))).status_code == 200
    error = error_of(await _send(client, tenant, _text("x" * 4097)))
    assert error["code"] == 100 and "4096" in error["message"]


async def test_template_schema_is_enforced(client, tenant):
    body = _template()
    body["template"]["components"][0]["parameters"][0] = {"type": "text"}
    assert "['text'] is required" in error_of(await _send(client, tenant, body))["message"]
    body = _template()
    body["template"]["language"] = "en_US"
    assert error_of(await _send(client, tenant, body))["code"] == 100


async def test_other_message_types_follow_the_spec(client, tenant):
    await candidate_says(client, tenant, wa_id=CANDIDATE)
    base = {"messaging_product": "whatsapp", "recipient_type": "individual", "to": CANDIDATE}
    location = {"latitude": 33.57, "longitude": -7.59, "name": "Agency", "address": "Bd Zerktouni"}
    ok_bodies = [
        {"type": "location", "location": location},
        {"type": "reaction", "reaction": {"message_id": "wamid.abc", "emoji": "\U0001f44d"}},
        {"type": "image", "image": {"link": "https://cdn.example/a.jpg", "caption": "Map"}},
        {
            "type": "interactive",
            "interactive": {
                "type": "button",
                "body": {"text": "Available tomorrow?"},
                "action": {"buttons": [{"type": "reply", "reply": {"id": "yes", "title": "Yes"}}]},
            },
        },
    ]
    for extra in ok_bodies:
        response = await _send(client, tenant, {**base, **extra})
        assert response.status_code == 200, (extra, response.text)
    four_buttons = {"type": "reply", "reply": {"id": "a", "title": "A"}}
    too_many = {
        "type": "interactive",
        "interactive": {"type": "button", "body": {"text": "?"}, "action": {"buttons": [four_buttons] * 4}},
    }
    assert error_of(await _send(client, tenant, {**base, **too_many}))["code"] == 100
    both = {"type": "image", "image": {"id": "1", "link": "https://cdn.example/a.jpg"}}
    assert error_of(await _send(client, tenant, {**base, **both}))["code"] == 100
    unknown_media = {"type": "image", "image": {"id": "123456789012345"}}
    assert (
        "media attachment ID" in error_of(await _send(client, tenant, {**base, **unknown_media}))["message"]
    )


async def test_unregistered_number_cannot_send(client):
    tenant = await connect(client, register=False)
    assert error_of(await _send(client, tenant, _template()))["code"] == 133010


async def test_waba_without_payment_method_cannot_send(client):
    tenant = await connect(client, numbers=1, payment_method=False)
    assert error_of(await _send(client, tenant, _template()))["code"] == 131042
    fixed = await client.patch(f"/_sim/meta/wabas/{tenant.waba_id}", json={"payment_method": True})
    assert fixed.json() == {"success": True}
    assert (await _send(client, tenant, _template())).status_code == 200


async def test_mark_as_read_needs_a_received_message(client, tenant, sim):
    inbound = await candidate_says(client, tenant, wa_id=CANDIDATE)
    read = {"messaging_product": "whatsapp", "status": "read", "message_id": inbound["message_id"]}
    assert (await _send(client, tenant, read)).json() == {"success": True}
    typing = {**read, "typing_indicator": {"type": "text"}}
    assert (await _send(client, tenant, typing)).json() == {"success": True}
    assert len(sim.read_receipts) == 2 and not sim.messages
    unknown = {**read, "message_id": "wamid.unknown"}
    assert error_of(await _send(client, tenant, unknown))["code"] == 131009
    extra = {**read, "to": CANDIDATE}
    assert error_of(await _send(client, tenant, extra))["code"] == 100


async def test_every_accepted_message_is_recorded(client, tenant):
    await candidate_says(client, tenant, wa_id=CANDIDATE)
    await _send(client, tenant, _text("one", biz_opaque_callback_data="thread-1"))
    await _send(client, tenant, _template())
    await _send(client, tenant, _text("x" * 5000))  # refused: not recorded
    listed = (
        await client.get("/_sim/meta/messages", params={"phone_number_id": tenant.phone_number_id})
    ).json()
    assert [m["type"] for m in listed["data"]] == ["text", "template"]
    first = listed["data"][0]
    assert (
        first["biz_opaque_callback_data"] == "thread-1" and first["phone_number_id"] == tenant.phone_number_id
    )
    assert first["wamid"].startswith("wamid.") and isinstance(first["at"], float)
