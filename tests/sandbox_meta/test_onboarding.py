"""Embedded Signup's server side: code exchange rules, debug_token, and the whole onboarding path."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from .tenants import (
    APP_ID,
    APP_SECRET,
    CONFIG_ID,
    SYSTEM_TOKEN,
    Tenant,
    V,
    bearer,
    candidate_says,
    error_of,
    exchange,
)


async def test_signup_to_first_reply_follows_the_documented_sequence(client, sim):
    signup = (await client.post("/_sim/meta/signup", json={"numbers": 1})).json()
    session = signup["session_info"]
    assert (
        session["type"] == "WA_EMBEDDED_SIGNUP" and session["event"] == "FINISH" and session["version"] == 3
    )
    data = session["data"]
    assert data == {
        "phone_number_id": signup["phone_number_ids"][0],
        "waba_id": signup["waba_id"],
        "business_id": signup["business_id"],
    }

    token_response = await exchange(client, signup["code"])
    assert token_response.status_code == 200
    token_body = token_response.json()
    assert token_body["token_type"] == "bearer" and token_body["expires_in"] > 0
    token = token_body["access_token"]

    debug = await client.get(f"/{V}/debug_token", params={"input_token": token}, headers=bearer(SYSTEM_TOKEN))
    info = debug.json()["data"]
    assert info["is_valid"] is True and info["app_id"] == APP_ID and info["type"] == "SYSTEM_USER"
    scopes = {s["scope"]: s["target_ids"] for s in info["granular_scopes"]}
    assert scopes["whatsapp_business_management"][0] == data["waba_id"]
    assert data["waba_id"] in scopes["whatsapp_business_messaging"]

    numbers = await client.get(
        f"/{V}/{data['waba_id']}/phone_numbers",
        params={"fields": "id,display_phone_number"},
        headers=bearer(token),
    )
    assert [n["id"] for n in numbers.json()["data"]] == [data["phone_number_id"]]

    subscribed = await client.post(f"/{V}/{data['waba_id']}/subscribed_apps", headers=bearer(token))
    assert subscribed.json() == {"success": True}
    listed = (await client.get(f"/{V}/{data['waba_id']}/subscribed_apps", headers=bearer(token))).json()
    assert listed["data"][0]["whatsapp_business_api_data"]["id"] == APP_ID

    register = await client.post(
        f"/{V}/{data['phone_number_id']}/register",
        headers=bearer(token),
        json={"messaging_product": "whatsapp", "pin": "246810"},
    )
    assert register.json() == {"success": True}

    tenant = Tenant(token, data["waba_id"], data["phone_number_id"], data["business_id"])
    await candidate_says(client, tenant, "Bonjour", wa_id="33612345678")
    sent = await client.post(
        f"/{V}/{data['phone_number_id']}/messages",
        headers=bearer(token),
        json={
            "messaging_product": "whatsapp",
            "to": "+33 6 12 34 56 78",
            "type": "text",
            "text": {"body": "Hello"},
        },
    )
    assert sent.status_code == 200, sent.text
    body = sent.json()
    assert body["contacts"] == [{"input": "+33 6 12 34 56 78", "wa_id": "33612345678"}]
    assert body["messages"][0]["id"].startswith("wamid.") and "message_status" not in body["messages"][0]
    recorded = (await client.get("/_sim/meta/messages", params={"to": "33612345678"})).json()["data"]
    assert recorded[0]["wamid"] == body["messages"][0]["id"] and recorded[0]["text"] == {"body": "Hello"}


async def test_code_works_once(client):
    code = (await client.post("/_sim/meta/signup", json={})).json()["code"]
    assert (await exchange(client, code)).status_code == 200
    again = await exchange(client, code)
    assert again.status_code == 400
    error = error_of(again)
    assert error["code"] == 100 and error["error_subcode"] == 36009 and "used" in error["message"]


async def test_code_expires_after_thirty_seconds(client, clock):
    fresh = (await client.post("/_sim/meta/signup", json={})).json()["code"]
    stale = (await client.post("/_sim/meta/signup", json={})).json()["code"]
    clock.advance(29)
    assert (await exchange(client, fresh)).status_code == 200
    clock.advance(2)
    error = error_of(await exchange(client, stale))
    assert error["code"] == 100 and error["error_subcode"] == 36007 and "expired" in error["message"]


async def test_unknown_code_and_wrong_app_credentials_are_rejected(client):
    assert error_of(await exchange(client, "AQnot-a-code"))["error_subcode"] == 36007
    code = (await client.post("/_sim/meta/signup", json={})).json()["code"]
    wrong_app = await client.get(
        f"/{V}/oauth/access_token", params={"client_id": "1", "client_secret": APP_SECRET, "code": code}
    )
    assert error_of(wrong_app)["code"] == 101
    wrong_secret = await client.get(
        f"/{V}/oauth/access_token", params={"client_id": APP_ID, "client_secret": "nope", "code": code}
    )
    assert error_of(wrong_secret)["code"] == 1
    # Credential failures do not burn the code; the correct exchange (as a POST form) still works.
    posted = await client.post(
        f"/{V}/oauth/access_token", data={"client_id": APP_ID, "client_secret": APP_SECRET, "code": code}
    )
    assert posted.status_code == 200 and posted.json()["access_token"].startswith("EAA")


async def test_sdk_codes_reject_any_redirect_uri(client):
    code = (await client.post("/_sim/meta/signup", json={})).json()["code"]
    error = error_of(await exchange(client, code, redirect_uri="https://relay.example/connect"))
    assert error["code"] == 100 and error["error_subcode"] == 36008 and "redirect_uri" in error["message"]
    assert "error_data" not in error  # plain Graph OAuth errors carry no WhatsApp error_data
    assert error_of(await exchange(client, code))["error_subcode"] == 36009  # the failed attempt burnt it


async def test_dialog_codes_need_the_same_redirect_uri(client):
    redirect_uri = "https://relay.example/meta/callback?tenant=7"
    page = await client.get(
        f"/{V}/dialog/oauth",
        params={
            "client_id": APP_ID,
            "config_id": CONFIG_ID,
            "redirect_uri": redirect_uri,
            "state": "xyz",
            "response_type": "code",
        },
    )
    assert page.status_code == 200 and 'id="finish"' in page.text and 'id="cancel-step"' in page.text
    finished = await client.post(
        "/_sim/meta/signup/complete",
        data={
            "client_id": APP_ID,
            "config_id": CONFIG_ID,
            "redirect_uri": redirect_uri,
            "state": "xyz",
            "extras": "{}",
            "action": "finish",
            "payment_method": "on",
        },
    )
    assert finished.status_code == 303
    location = urlsplit(finished.headers["location"])
    query = parse_qs(location.query)
    assert location.netloc == "relay.example" and query["tenant"] == ["7"] and query["state"] == ["xyz"]
    code = query["code"][0]
    assert error_of(await exchange(client, code))["error_subcode"] == 36008

    second = await client.post("/_sim/meta/signup", json={"redirect_uri": redirect_uri})
    good = await exchange(client, second.json()["code"], redirect_uri=redirect_uri)
    assert good.status_code == 200


async def test_dialog_cancel_redirects_with_access_denied(client):
    cancelled = await client.post(
        "/_sim/meta/signup/complete",
        data={
            "client_id": APP_ID,
            "config_id": CONFIG_ID,
            "redirect_uri": "https://relay.example/cb",
            "state": "s1",
            "extras": "{}",
            "action": "cancel",
            "cancel_step": "PERMISSIONS",
        },
    )
    query = parse_qs(urlsplit(cancelled.headers["location"]).query)
    assert query["error"] == ["access_denied"] and query["error_reason"] == ["user_denied"]
    assert query["state"] == ["s1"] and "code" not in query


async def test_dialog_with_wrong_config_shows_the_error_screen(client):
    page = await client.get(
        f"/{V}/dialog/oauth",
        params={
            "client_id": APP_ID,
            "config_id": "42",
            "redirect_uri": "https://r.example/",
            "response_type": "code",
        },
    )
    assert 'id="error-screen"' in page.text and 'id="finish"' not in page.text


async def test_debug_token_reports_invalid_tokens_as_data(client, clock):
    app_token = f"{APP_ID}|{APP_SECRET}"
    garbage = await client.get(
        f"/{V}/debug_token", params={"input_token": "EAAGnope", "access_token": app_token}
    )
    assert garbage.status_code == 200 and garbage.json()["data"]["is_valid"] is False

    code = (await client.post("/_sim/meta/signup", json={})).json()["code"]
    token = (await exchange(client, code)).json()["access_token"]
    clock.advance(61 * 24 * 3600)
    expired = (
        await client.get(f"/{V}/debug_token", params={"input_token": token}, headers=bearer(app_token))
    ).json()
    assert expired["data"]["is_valid"] is False and expired["data"]["error"]["code"] == 190


async def test_debug_token_needs_an_app_or_system_user_token(client):
    code = (await client.post("/_sim/meta/signup", json={})).json()["code"]
    token = (await exchange(client, code)).json()["access_token"]
    own = await client.get(f"/{V}/debug_token", params={"input_token": token}, headers=bearer(token))
    assert error_of(own)["code"] == 100
    nobody = await client.get(
        f"/{V}/debug_token", params={"input_token": token}, headers=bearer("EAAGunknown")
    )
    assert nobody.status_code == 401 and error_of(nobody)["code"] == 190


async def test_reonboarded_business_lists_newest_waba_first(client):
    first = (await client.post("/_sim/meta/signup", json={})).json()
    second = (await client.post("/_sim/meta/signup", json={"business_id": first["business_id"]})).json()
    token = (await exchange(client, second["code"])).json()["access_token"]
    info = (
        await client.get(f"/{V}/debug_token", params={"input_token": token}, headers=bearer(SYSTEM_TOKEN))
    ).json()["data"]
    management = next(s for s in info["granular_scopes"] if s["scope"] == "whatsapp_business_management")
    assert management["target_ids"] == [second["waba_id"], first["waba_id"]]


async def test_coexistence_signup_posts_only_the_waba(client):
    signup = (await client.post("/_sim/meta/signup", json={"coexistence": True})).json()
    assert signup["session_info"]["event"] == "FINISH_WHATSAPP_BUSINESS_APP_ONBOARDING"
    assert signup["session_info"]["data"] == {"waba_id": signup["waba_id"]}
    token = (await exchange(client, signup["code"])).json()["access_token"]
    number = await client.get(
        f"/{V}/{signup['phone_number_ids'][0]}",
        params={"fields": "is_on_biz_app,platform_type"},
        headers=bearer(token),
    )
    assert number.json() == {
        "id": signup["phone_number_ids"][0],
        "is_on_biz_app": True,
        "platform_type": "CLOUD_API",
    }
