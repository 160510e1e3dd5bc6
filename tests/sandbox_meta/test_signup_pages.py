"""The JS SDK stand-in and the popup page (their browser behaviour is exercised by the Playwright suite)."""

from __future__ import annotations

import json
import re

from .tenants import APP_ID, CONFIG_ID, ORIGIN, exchange

POPUP = {
    "app_id": APP_ID,
    "config_id": CONFIG_ID,
    "response_type": "code",
    "override_default_response_type": "true",
    "extras": "{}",
    "origin": "http://relay.test",
}


def _config(page: str) -> dict:
    match = re.search(r'<script id="sim-config" type="application/json">(.*?)</script>', page, re.S)
    assert match
    return json.loads(match.group(1))


async def test_sdk_is_served_with_the_simulator_origin(client):
    response = await client.get("/sdk.js")
    assert response.status_code == 200 and "javascript" in response.headers["content-type"]
    source = response.text
    for needle in (
        "window.FB",
        "init:",
        "login:",
        "fbAsyncInit",
        "SIM_FB_LOGIN_RESPONSE",
        "window.open",
        "closed",
    ):
        assert needle in source
    assert f"'{ORIGIN}'" in source and "__SIM_ORIGIN__" not in source


async def test_popup_offers_every_ending(client):
    page = (await client.get("/_sim/meta/signup", params=POPUP)).text
    for element_id in ("finish", "finish-two", "cancel", "cancel-step", "error", "payment-method"):
        assert f'id="{element_id}"' in page and f'data-testid="{element_id}"' in page
    assert 'id="finish-coexistence"' not in page
    for step in ("BUSINESS_ACCOUNT_SELECTION", "PHONE_NUMBER_VERIFICATION", "PERMISSIONS"):
        assert f'value="{step}"' in page
    config = _config(page)
    assert config["mode"] == "popup" and config["opener_origin"] == "http://relay.test"


async def test_coexistence_button_needs_the_feature_type(client):
    extras = {"setup": {}, "featureType": "whatsapp_business_app_onboarding", "sessionInfoVersion": "3"}
    page = (await client.get("/_sim/meta/signup", params={**POPUP, "extras": json.dumps(extras)})).text
    assert 'id="finish-coexistence"' in page


async def test_wrong_config_shows_the_error_screen_and_posts_error(client):
    page = (await client.get("/_sim/meta/signup", params={**POPUP, "config_id": "1"})).text
    assert 'id="error-screen"' in page and 'id="close"' in page and 'id="finish"' not in page
    error = _config(page)["error_session_info"]
    assert error["type"] == "WA_EMBEDDED_SIGNUP" and error["event"] == "ERROR"
    assert {"error_message", "error_code", "session_id", "timestamp"} <= set(error["data"])


async def test_token_response_type_is_refused(client):
    page = (await client.get("/_sim/meta/signup", params={**POPUP, "response_type": "token"})).text
    assert 'id="error-screen"' in page


async def test_script_in_extras_cannot_break_out(client):
    extras = json.dumps({"setup": {"business": {"name": "</script><script>alert(1)</script>"}}})
    page = (await client.get("/_sim/meta/signup", params={**POPUP, "extras": extras})).text
    assert "<script>alert(1)" not in page
    assert _config(page)["extras"]["setup"]["business"]["name"].startswith("</script>")


async def test_complete_finish_returns_session_info_and_a_code(client):
    body = {
        "app_id": APP_ID,
        "config_id": CONFIG_ID,
        "extras": {},
        "action": "finish",
        "payment_method": True,
    }
    result = (await client.post("/_sim/meta/signup/complete", json=body)).json()
    assert result["post_session_info"] is True and result["session_info"]["event"] == "FINISH"
    assert result["expires_in"] == 30 and result["user_id"]
    assert (await exchange(client, result["code"])).status_code == 200


async def test_complete_two_numbers_and_coexistence(client, sim):
    base = {"app_id": APP_ID, "config_id": CONFIG_ID, "payment_method": True}
    two = (
        await client.post("/_sim/meta/signup/complete", json={**base, "extras": {}, "action": "finish-two"})
    ).json()
    assert len(sim.waba_numbers(two["session_info"]["data"]["waba_id"])) == 2
    refused = await client.post(
        "/_sim/meta/signup/complete", json={**base, "extras": {}, "action": "finish-coexistence"}
    )
    assert refused.status_code == 400
    coexist = {"featureType": "whatsapp_business_app_onboarding", "sessionInfoVersion": "3"}
    done = await client.post(
        "/_sim/meta/signup/complete", json={**base, "extras": coexist, "action": "finish-coexistence"}
    )
    assert done.json()["session_info"]["event"] == "FINISH_WHATSAPP_BUSINESS_APP_ONBOARDING"


async def test_complete_cancel_and_error(client):
    base = {"app_id": APP_ID, "config_id": CONFIG_ID, "extras": {}}
    cancel = (
        await client.post(
            "/_sim/meta/signup/complete",
            json={**base, "action": "cancel", "cancel_step": "PHONE_NUMBER_SETUP"},
        )
    ).json()
    assert cancel["code"] is None
    assert cancel["session_info"] == {
        "type": "WA_EMBEDDED_SIGNUP",
        "event": "CANCEL",
        "data": {"current_step": "PHONE_NUMBER_SETUP"},
        "version": 3,
    }
    bad_step = await client.post(
        "/_sim/meta/signup/complete", json={**base, "action": "cancel", "cancel_step": "X"}
    )
    assert bad_step.status_code == 400
    error = (await client.post("/_sim/meta/signup/complete", json={**base, "action": "error"})).json()
    assert error["code"] is None and error["session_info"]["event"] == "CANCEL"
    assert set(error["session_info"]["data"]) == {"error_message", "error_code", "session_id", "timestamp"}


async def test_v2_extras_without_session_info_version_post_nothing(client):
    body = {
        "app_id": APP_ID,
        "config_id": CONFIG_ID,
        "action": "finish",
        "extras": {"featureType": "", "setup": {}},
    }
    result = (await client.post("/_sim/meta/signup/complete", json=body)).json()
    assert result["post_session_info"] is False and result["code"]
