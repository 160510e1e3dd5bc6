"""GraphClient: each call's method, path, query/body, auth header and parsed result, against respx."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from urllib.parse import parse_qs

import httpx
import pytest
import respx

from tests.whatsapp.conftest import APP_ID, APP_SECRET, BASE, PNID, ROOT, SYSTEM_TOKEN, TOKEN, WABA
from whatsapp.errors import GraphError, MediaTooLargeError
from whatsapp.graph import GraphClient
from whatsapp.graph_types import GranularScope

FIXTURES = Path(__file__).parent / "fixtures"


def fixture(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text())


def sent_json(route: respx.Route, index: int = -1) -> dict:
    return json.loads(route.calls[index].request.content)


def query(route: respx.Route, index: int = -1) -> dict[str, list[str]]:
    return parse_qs(route.calls[index].request.url.query.decode())


# -- onboarding -----------------------------------------------------------------------------------

async def test_exchange_code_sends_app_credentials_and_code_without_redirect_uri(client, meta):
    route = meta.get(f"{ROOT}/oauth/access_token").respond(json=fixture("token_grant.json"))

    grant = await client.exchange_code("AQB-code-from-fb-login")

    assert route.call_count == 1
    assert query(route) == {
        "client_id": [APP_ID], "client_secret": [APP_SECRET], "code": ["AQB-code-from-fb-login"]}
    assert "authorization" not in route.calls.last.request.headers
    assert grant.access_token.get_secret_value() == "EAAGbusiness-token-from-exchange-7d1f"
    assert grant.token_type == "bearer"
    assert grant.expires_in == 5183944
    assert "EAAGbusiness-token-from-exchange-7d1f" not in repr(grant)
    assert "EAAGbusiness-token-from-exchange-7d1f" not in repr(grant.raw)


async def test_exchange_code_from_the_redirect_dialog_sends_its_redirect_uri(client, meta):
    route = meta.get(f"{ROOT}/oauth/access_token").respond(json=fixture("token_grant.json"))

    await client.exchange_code("AQB-dialog-code", redirect_uri="https://relay.example/connect/callback")

    assert query(route)["redirect_uri"] == ["https://relay.example/connect/callback"]


async def test_exchange_code_without_expiry_gives_none(client, meta):
    meta.get(f"{ROOT}/oauth/access_token").respond(json={"access_token": "EAAGx"})

    grant = await client.exchange_code("code")

    assert (grant.token_type, grant.expires_in) == (None, None)


async def test_exchange_code_without_token_is_a_graph_error(client, meta):
    meta.get(f"{ROOT}/oauth/access_token").respond(json={"token_type": "bearer"})

    with pytest.raises(GraphError, match="access_token"):
        await client.exchange_code("code")


async def test_debug_token_uses_app_token_and_lists_wabas_in_order(client, meta):
    route = meta.get(f"{ROOT}/debug_token").respond(json=fixture("debug_token.json"))

    info = await client.debug_token("EAAGbusiness-token")

    request = route.calls.last.request
    assert request.headers["authorization"] == f"Bearer {APP_ID}|{APP_SECRET}"
    assert query(route) == {"input_token": ["EAAGbusiness-token"]}
    assert info.app_id == APP_ID
    assert info.is_valid is True
    assert info.expires_at == 0
    assert info.user_id == "122100887766554433"
    assert info.type == "SYSTEM_USER"
    assert info.scopes == ("whatsapp_business_management", "whatsapp_business_messaging", "public_profile")
    assert info.granular_scopes[0] == GranularScope(
        "whatsapp_business_management", ("495709166956424", "102290129340398"))
    assert info.granular_scopes[2] == GranularScope("public_profile", ())
    assert info.waba_ids == ("495709166956424", "102290129340398")


async def test_debug_token_prefers_the_system_user_token(meta):
    route = meta.get(f"{ROOT}/debug_token").respond(json={"data": {"is_valid": False, "app_id": APP_ID}})

    async with GraphClient(base_url=BASE, api_version="v24.0", app_id=APP_ID, app_secret=APP_SECRET,
                           system_user_token=SYSTEM_TOKEN) as graph:
        info = await graph.debug_token("EAAGold")

    assert route.calls.last.request.headers["authorization"] == f"Bearer {SYSTEM_TOKEN}"
    assert info.is_valid is False
    assert info.waba_ids == ()


async def test_list_phone_numbers_follows_every_page(client, meta):
    route = meta.get(f"{ROOT}/{WABA}/phone_numbers").mock(side_effect=[
        httpx.Response(200, json=fixture("phone_numbers_page1.json")),
        httpx.Response(200, json=fixture("phone_numbers_page2.json")),
    ])

    numbers = await client.list_phone_numbers(WABA, TOKEN)

    assert route.call_count == 2
    fields = ("id,display_phone_number,verified_name,quality_rating,code_verification_status,"
              "name_status,platform_type,status,throughput")
    assert query(route, 0) == {"fields": [fields]}
    assert query(route, 1) == {"fields": [fields], "after": ["QVFIUjNpUWpVWmRBd0Rn"]}
    assert all(call.request.headers["authorization"] == f"Bearer {TOKEN}" for call in route.calls)
    assert [n.id for n in numbers] == ["106540352242922", "106540352242923", "106540352242924"]
    first = numbers[0]
    assert (first.display_phone_number, first.verified_name, first.quality_rating) == (
        "15550783881", "Acme Recruiting", "GREEN")
    assert (first.code_verification_status, first.name_status, first.platform_type, first.status) == (
        "VERIFIED", "APPROVED", "CLOUD_API", "CONNECTED")
    assert first.throughput_level == "STANDARD"
    assert numbers[1].throughput_level is None
    assert numbers[2].throughput_level == "HIGH"


async def test_paging_takes_the_cursor_from_next_when_cursors_are_missing(client, meta):
    route = meta.get(f"{ROOT}/{WABA}/phone_numbers").mock(side_effect=[
        httpx.Response(200, json={"data": [{"id": "1"}],
                                  "paging": {"next": f"{ROOT}/{WABA}/phone_numbers?after=CURSOR2&limit=1"}}),
        httpx.Response(200, json={"data": [{"id": "2"}], "paging": {}}),
    ])

    numbers = await client.list_phone_numbers(WABA, TOKEN)

    assert [n.id for n in numbers] == ["1", "2"]
    assert query(route, 1)["after"] == ["CURSOR2"]


async def test_paging_that_repeats_a_cursor_stops_with_an_error(client, meta):
    page = {"data": [{"id": "1"}], "paging": {"cursors": {"after": "SAME"}, "next": f"{ROOT}/x?after=SAME"}}
    route = meta.get(f"{ROOT}/{WABA}/phone_numbers").respond(json=page)

    with pytest.raises(GraphError, match="cursor"):
        await client.list_phone_numbers(WABA, TOKEN)

    assert route.call_count == 2


async def test_get_phone_number_asks_for_coexistence_fields(client, meta):
    route = meta.get(f"{ROOT}/{PNID}").respond(json=fixture("phone_number_detail.json"))

    number = await client.get_phone_number(PNID, TOKEN)

    fields = query(route)["fields"][0].split(",")
    assert {"is_on_biz_app", "platform_type", "name_status", "code_verification_status"} <= set(fields)
    assert route.calls.last.request.headers["authorization"] == f"Bearer {TOKEN}"
    assert number.is_on_biz_app is True
    assert number.platform_type == "CLOUD_API"
    assert number.id == PNID


async def test_get_phone_number_reads_the_health_status(client, meta):
    route = meta.get(f"{ROOT}/{PNID}").respond(json=fixture("phone_number_health_blocked.json"))

    number = await client.get_phone_number(PNID, TOKEN)

    assert "health_status" in query(route)["fields"][0].split(",")
    assert number.health is not None and number.health.can_send_message == "BLOCKED"
    assert number.health.error_codes == (141006, 141010)
    assert number.health.payment_method_missing
    assert [p.entity_type for p in number.health.problems] == ["WABA", "BUSINESS"]


async def test_a_number_without_health_status_has_unknown_health(client, meta):
    meta.get(f"{ROOT}/{PNID}").respond(json=fixture("phone_number_detail.json"))
    assert (await client.get_phone_number(PNID, TOKEN)).health is None


async def test_get_phone_number_with_chosen_fields(client, meta):
    route = meta.get(f"{ROOT}/{PNID}").respond(json={"id": PNID, "status": "CONNECTED"})

    number = await client.get_phone_number(PNID, TOKEN, fields=("id", "status"))

    assert query(route) == {"fields": ["id,status"]}
    assert (number.status, number.is_on_biz_app) == ("CONNECTED", None)


async def test_get_business_account_reads_the_owning_business(client, meta):
    route = meta.get(f"{ROOT}/{WABA}").respond(json=fixture("business_account.json"))

    waba = await client.get_business_account(WABA, TOKEN)

    assert query(route) == {"fields": ["id,name,owner_business_info"]}
    assert route.calls.last.request.headers["authorization"] == f"Bearer {TOKEN}"
    assert (waba.id, waba.name) == (WABA, "Acme Recruiting WhatsApp")
    assert (waba.owner_business_id, waba.owner_business_name) == ("942647313864044", "Acme Recruiting Ltd")


async def test_a_business_account_without_owner_info_has_no_owner(client, meta):
    meta.get(f"{ROOT}/{WABA}").respond(json={"id": WABA, "owner_business_info": "not an object"})

    waba = await client.get_business_account(WABA, TOKEN)

    assert (waba.owner_business_id, waba.owner_business_name, waba.name) == (None, None, None)


async def test_subscribe_list_and_unsubscribe_app(client, meta):
    post = meta.post(f"{ROOT}/{WABA}/subscribed_apps").respond(json={"success": True})
    get = meta.get(f"{ROOT}/{WABA}/subscribed_apps").respond(json=fixture("subscribed_apps.json"))
    delete = meta.delete(f"{ROOT}/{WABA}/subscribed_apps").respond(json={"success": True})

    await client.subscribe_app(WABA, TOKEN)
    apps = await client.list_subscribed_apps(WABA, TOKEN)
    await client.unsubscribe_app(WABA, TOKEN)

    for route in (post, get, delete):
        assert route.call_count == 1
        assert route.calls.last.request.headers["authorization"] == f"Bearer {TOKEN}"
    assert post.calls.last.request.content == b""
    assert [(a.app_id, a.name) for a in apps] == [("1234567890", "waslack"),
                                                  ("2345678901234567", "Customer Support Bot")]
    assert apps[0].override_callback_uri is None
    assert apps[1].override_callback_uri == "https://support.example.com/webhooks/whatsapp"


async def test_subscribe_app_that_does_not_answer_success_raises(client, meta):
    meta.post(f"{ROOT}/{WABA}/subscribed_apps").respond(json={"success": False})

    with pytest.raises(GraphError, match="success"):
        await client.subscribe_app(WABA, TOKEN)


async def test_register_number_sends_messaging_product_and_pin(client, meta):
    route = meta.post(f"{ROOT}/{PNID}/register").respond(json={"success": True})

    await client.register_number(PNID, TOKEN, "123456")

    assert sent_json(route) == {"messaging_product": "whatsapp", "pin": "123456"}
    assert route.calls.last.request.headers["authorization"] == f"Bearer {TOKEN}"
    assert route.calls.last.request.headers["content-type"] == "application/json"


@pytest.mark.parametrize("pin", ["12345", "1234567", "12a456", "", " 123456", "١٢٣٤٥٦"])
async def test_register_number_rejects_a_bad_pin_before_calling_meta(client, pin):
    with respx.mock(assert_all_called=False) as router:
        route = router.post(f"{ROOT}/{PNID}/register").respond(json={"success": True})
        with pytest.raises(ValueError, match="6 digits"):
            await client.register_number(PNID, TOKEN, pin)
    assert route.call_count == 0


async def test_deregister_number(client, meta):
    route = meta.post(f"{ROOT}/{PNID}/deregister").respond(json={"success": True})

    await client.deregister_number(PNID, TOKEN)

    assert route.call_count == 1
    assert route.calls.last.request.headers["authorization"] == f"Bearer {TOKEN}"


# -- messages -------------------------------------------------------------------------------------

async def test_send_text_body_and_result(client, meta):
    route = meta.post(f"{ROOT}/{PNID}/messages").respond(json=fixture("send_response.json"))

    sent = await client.send_text(PNID, TOKEN, "+1 650-555-1234", "Hello Sam", reply_to="wamid.IN1",
                                  biz_opaque_callback_data="outbox:42")

    assert sent_json(route) == {
        "messaging_product": "whatsapp", "recipient_type": "individual", "to": "+1 650-555-1234",
        "type": "text", "text": {"body": "Hello Sam", "preview_url": False},
        "context": {"message_id": "wamid.IN1"}, "biz_opaque_callback_data": "outbox:42",
    }
    assert route.calls.last.request.headers["authorization"] == f"Bearer {TOKEN}"
    assert sent.wamid == "wamid.HBgLMTY1MDU1NTEyMzQVAgARGBI0QUQ2MjA4NEYyRkExNjMyREUA"
    assert (sent.wa_id, sent.input, sent.message_status) == ("16505551234", "+1 650-555-1234", None)


async def test_send_text_minimal_body_has_no_context_or_callback_data(client, meta):
    route = meta.post(f"{ROOT}/{PNID}/messages").respond(json=fixture("send_response.json"))

    await client.send_text(PNID, TOKEN, "16505551234", "see https://example.com", preview_url=True)

    assert sent_json(route) == {
        "messaging_product": "whatsapp", "recipient_type": "individual", "to": "16505551234",
        "type": "text", "text": {"body": "see https://example.com", "preview_url": True},
    }


@pytest.mark.parametrize("body", ["", "x" * 4097])
async def test_send_text_rejects_empty_or_too_long_bodies(client, body):
    with pytest.raises(ValueError):
        await client.send_text(PNID, TOKEN, "16505551234", body)


async def test_callback_data_over_512_characters_is_rejected(client):
    with pytest.raises(ValueError, match="512"):
        await client.send_text(PNID, TOKEN, "16505551234", "hi", biz_opaque_callback_data="x" * 513)


async def test_send_template_body_and_pacing_status(client, meta):
    route = meta.post(f"{ROOT}/{PNID}/messages").respond(json=fixture("send_template_response.json"))
    components = [{"type": "body", "parameters": [
        {"type": "text", "parameter_name": "first_name", "text": "Sam"}]}]

    sent = await client.send_template(PNID, TOKEN, "16505551234", "interview_invite", "en_US", components,
                                      biz_opaque_callback_data="outbox:7")

    assert sent_json(route) == {
        "messaging_product": "whatsapp", "recipient_type": "individual", "to": "16505551234",
        "type": "template",
        "template": {"name": "interview_invite", "language": {"code": "en_US"}, "components": components},
        "biz_opaque_callback_data": "outbox:7",
    }
    assert sent.message_status == "accepted"
    assert sent.wamid.startswith("wamid.")


async def test_send_template_without_components_omits_them(client, meta):
    route = meta.post(f"{ROOT}/{PNID}/messages").respond(json=fixture("send_template_response.json"))

    await client.send_template(PNID, TOKEN, "16505551234", "hello_world", "en_US")

    assert sent_json(route)["template"] == {"name": "hello_world", "language": {"code": "en_US"}}


async def test_send_media_document_with_caption_and_filename(client, meta):
    route = meta.post(f"{ROOT}/{PNID}/messages").respond(json=fixture("send_response.json"))

    sent = await client.send_media(PNID, TOKEN, "16505551234", "document", "4490709327384033",
                                   caption="My CV", filename="cv.pdf", reply_to="wamid.IN2")

    assert sent_json(route) == {
        "messaging_product": "whatsapp", "recipient_type": "individual", "to": "16505551234",
        "type": "document", "document": {"id": "4490709327384033", "caption": "My CV", "filename": "cv.pdf"},
        "context": {"message_id": "wamid.IN2"},
    }
    assert sent.wa_id == "16505551234"


async def test_send_media_audio_is_only_the_id(client, meta):
    route = meta.post(f"{ROOT}/{PNID}/messages").respond(json=fixture("send_response.json"))

    await client.send_media(PNID, TOKEN, "16505551234", "audio", "777")

    assert sent_json(route)["audio"] == {"id": "777"}
    assert sent_json(route)["type"] == "audio"


@pytest.mark.parametrize(("kind", "options"), [
    ("sticker", {"caption": "no"}), ("audio", {"caption": "no"}), ("image", {"filename": "a.jpg"}),
    ("location", {}),
])
async def test_send_media_rejects_fields_meta_does_not_accept(client, kind, options):
    with pytest.raises(ValueError):
        await client.send_media(PNID, TOKEN, "16505551234", kind, "777", **options)


async def test_send_reaction_body(client, meta):
    route = meta.post(f"{ROOT}/{PNID}/messages").respond(json=fixture("send_response.json"))

    sent = await client.send_reaction(PNID, TOKEN, "16505551234", "wamid.IN3", "\U0001f44d")

    assert sent_json(route) == {
        "messaging_product": "whatsapp", "recipient_type": "individual", "to": "16505551234",
        "type": "reaction", "reaction": {"message_id": "wamid.IN3", "emoji": "\U0001f44d"},
    }
    assert sent.wamid.startswith("wamid.")


async def test_mark_as_read_with_and_without_typing_indicator(client, meta):
    route = meta.post(f"{ROOT}/{PNID}/messages").respond(json={"success": True})

    assert await client.mark_as_read(PNID, TOKEN, "wamid.IN4") is None
    await client.mark_as_read(PNID, TOKEN, "wamid.IN5", typing_indicator=True)

    read = {"messaging_product": "whatsapp", "status": "read"}
    assert sent_json(route, 0) == {**read, "message_id": "wamid.IN4"}
    assert sent_json(route, 1) == {**read, "message_id": "wamid.IN5", "typing_indicator": {"type": "text"}}
    assert route.calls.last.request.headers["authorization"] == f"Bearer {TOKEN}"


async def test_send_answer_without_a_wamid_is_a_graph_error(client, meta):
    meta.post(f"{ROOT}/{PNID}/messages").respond(json={"messaging_product": "whatsapp", "messages": []})

    with pytest.raises(GraphError, match="messages"):
        await client.send_text(PNID, TOKEN, "16505551234", "hi")


# -- media and templates --------------------------------------------------------------------------

async def test_upload_media_is_multipart_with_product_type_and_file(client, meta):
    route = meta.post(f"{ROOT}/{PNID}/media").respond(json={"id": "4490709327384033"})

    media_id = await client.upload_media(PNID, TOKEN, b"\xff\xd8jpeg-bytes", "image/jpeg", "photo.jpg")

    request = route.calls.last.request
    assert media_id == "4490709327384033"
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert request.headers["content-type"].startswith("multipart/form-data; boundary=")
    body = request.content
    assert b'name="messaging_product"\r\n\r\nwhatsapp\r\n' in body
    assert b'name="type"\r\n\r\nimage/jpeg\r\n' in body
    assert b'name="file"; filename="photo.jpg"\r\nContent-Type: image/jpeg\r\n\r\n\xff\xd8jpeg-bytes' in body


async def test_get_media_with_phone_number_check(client, meta):
    route = meta.get(f"{ROOT}/2621233374848975").respond(json=fixture("media_info.json"))

    info = await client.get_media("2621233374848975", TOKEN, phone_number_id=PNID)

    assert query(route) == {"phone_number_id": [PNID]}
    assert route.calls.last.request.headers["authorization"] == f"Bearer {TOKEN}"
    assert info.id == "2621233374848975"
    assert info.url.startswith("https://lookaside.fbsbx.test/")
    assert (info.mime_type, info.file_size) == ("image/jpeg", 303833)
    assert info.sha256 == "8d4f5e0b6c0a3b1e6a3c7f0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f"


async def test_get_media_without_phone_number_sends_no_query(client, meta):
    route = meta.get(f"{ROOT}/2621233374848975").respond(json=fixture("media_info.json"))

    await client.get_media("2621233374848975", TOKEN)

    assert route.calls.last.request.url.query == b""


MEDIA_URL = "https://lookaside.fbsbx.test/whatsapp_business/attachments/?mid=26&ext=17&hash=ATsx"


async def test_download_media_from_another_host_with_bearer_token(client, meta):
    route = meta.get(MEDIA_URL).respond(content=b"jpeg-bytes", headers={"content-type": "image/jpeg"})

    data = await client.download_media(MEDIA_URL, TOKEN, max_bytes=1024)

    assert data == b"jpeg-bytes"
    assert route.calls.last.request.headers["authorization"] == f"Bearer {TOKEN}"
    assert str(route.calls.last.request.url) == MEDIA_URL


async def test_download_media_refuses_a_declared_size_past_the_limit(client, meta):
    meta.get(MEDIA_URL).respond(content=b"x" * 2048)

    with pytest.raises(MediaTooLargeError) as caught:
        await client.download_media(MEDIA_URL, TOKEN, max_bytes=1024)

    assert (caught.value.max_bytes, caught.value.size) == (1024, 2048)
    assert caught.value.retryable is False


async def test_download_media_stops_a_stream_without_length_past_the_limit(client, meta):
    async def chunks():
        for _ in range(10):
            yield b"x" * 300

    meta.get(MEDIA_URL).mock(side_effect=lambda request: httpx.Response(200, content=chunks()))

    with pytest.raises(MediaTooLargeError, match="1024"):
        await client.download_media(MEDIA_URL, TOKEN, max_bytes=1024)


async def test_download_media_at_exactly_the_limit_succeeds(client, meta):
    meta.get(MEDIA_URL).respond(content=b"x" * 1024)

    assert len(await client.download_media(MEDIA_URL, TOKEN, max_bytes=1024)) == 1024


async def test_download_media_rejects_a_relative_url(client):
    with pytest.raises(ValueError):
        await client.download_media("/v24.0/123", TOKEN, max_bytes=10)


async def test_list_templates_all_pages_with_status_filter(client, meta):
    route = meta.get(f"{ROOT}/{WABA}/message_templates").mock(side_effect=[
        httpx.Response(200, json=fixture("templates_page1.json")),
        httpx.Response(200, json=fixture("templates_page2.json")),
    ])

    templates = await client.list_templates(WABA, TOKEN, status="APPROVED")

    assert route.call_count == 2
    first_query = query(route, 0)
    assert first_query["status"] == ["APPROVED"]
    assert set(first_query["fields"][0].split(",")) == {
        "id", "name", "language", "status", "category", "parameter_format", "components", "quality_score",
        "rejected_reason"}
    assert query(route, 1)["after"] == ["MQZDZD"]
    assert [(t.name, t.language, t.parameter_format, t.category) for t in templates] == [
        ("interview_invite", "en_US", "NAMED", "UTILITY"), ("follow_up", "de", "POSITIONAL", "MARKETING")]
    assert templates[0].id == "594425479261596"
    assert templates[0].status == "APPROVED"
    assert templates[0].components[0]["type"] == "BODY"


async def test_list_templates_without_status_sends_no_status(client, meta):
    route = meta.get(f"{ROOT}/{WABA}/message_templates").respond(json={"data": []})

    assert await client.list_templates(WABA, TOKEN) == []
    assert "status" not in query(route)


# -- the choke point ------------------------------------------------------------------------------

async def test_every_call_carries_the_configured_timeout(meta):
    route = meta.get(f"{ROOT}/{PNID}").respond(json={"id": PNID})

    async with GraphClient(base_url=BASE, api_version="v24.0", app_id=APP_ID, app_secret=APP_SECRET,
                           timeout=3.5) as graph:
        await graph.get_phone_number(PNID, TOKEN)

    timeout = route.calls.last.request.extensions["timeout"]
    assert timeout == {"connect": 3.5, "read": 3.5, "write": 3.5, "pool": 3.5}


async def test_ids_are_quoted_into_the_path(client, meta):
    route = meta.get(f"{ROOT}/a%2Fb").respond(json={"id": "a/b"})

    await client.get_phone_number("a/b", TOKEN)

    assert route.call_count == 1


async def test_a_custom_transport_is_used():
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"success": True})

    async with GraphClient(base_url=BASE, api_version="v24.0", app_id=APP_ID, app_secret=APP_SECRET,
                           transport=httpx.MockTransport(answer)) as graph:
        await graph.subscribe_app(WABA, TOKEN)

    assert [(r.method, str(r.url)) for r in seen] == [("POST", f"{ROOT}/{WABA}/subscribed_apps")]


async def test_one_log_line_per_call_with_route_status_and_attempt(client, meta, caplog):
    meta.post(f"{ROOT}/{PNID}/messages").respond(json=fixture("send_response.json"))
    caplog.set_level(logging.INFO, logger="waslack.graph")

    await client.send_text(PNID, TOKEN, "16505551234", "hi")

    records = [r for r in caplog.records if r.name == "waslack.graph"]
    assert len(records) == 1
    record = records[0]
    assert (record.graph_method, record.graph_path, record.graph_status, record.attempt) == (
        "POST", "/{phone_number_id}/messages", "200", 1)
    assert isinstance(record.duration_ms, int)
    assert "POST /{phone_number_id}/messages -> 200" in record.getMessage()
    assert TOKEN not in record.getMessage()
    assert PNID not in record.getMessage()


async def test_non_json_answer_is_a_graph_error(client, meta):
    meta.get(f"{ROOT}/{PNID}").respond(text="<html>ok</html>")

    with pytest.raises(GraphError, match="not a JSON object"):
        await client.get_phone_number(PNID, TOKEN)


async def test_repr_shows_no_secret():
    graph = GraphClient(base_url=BASE, api_version="v24.0", app_id=APP_ID, app_secret=APP_SECRET,
                        system_user_token=SYSTEM_TOKEN)
    try:
        text = repr(graph) + repr(vars(graph)) + repr(vars(graph._http))
        assert APP_SECRET not in text
        assert SYSTEM_TOKEN not in text
        assert "v24.0" in repr(graph)
    finally:
        await graph.aclose()


def test_constructor_arguments_are_keyword_only_and_checked():
    with pytest.raises(TypeError):
        GraphClient(BASE, "v24.0", APP_ID, APP_SECRET)  # type: ignore[misc]
    with pytest.raises(ValueError):
        GraphClient(base_url=BASE, api_version="v24.0", app_id=APP_ID, app_secret=APP_SECRET, max_attempts=0)
    with pytest.raises(ValueError):
        GraphClient(base_url=BASE, api_version="v24.0", app_id=APP_ID, app_secret="")
