"""GET /connect/status (seed 000 section 5.2, with ``after``) and the redirect fallback, GET
/connect/callback."""

from __future__ import annotations

from datetime import timedelta
from html import escape
from urllib.parse import quote

from relay.onboarding.links import LinkProblem
from storage.models import utcnow
from tests.web_connect.conftest import PUBLIC_BASE_URL, TEAM
from tests.web_connect.test_page import page_config
from web.connect import wording


async def status(client, token, after=None):
    params = {"token": token}
    if after is not None:
        params["after"] = after
    return await client.get("/connect/status", params=params)


async def connect(client, fake_graph, token, waba="WABA1"):
    body = {"token": token, "code": fake_graph.issue_code(waba)}
    response = await client.post("/connect/complete", json=body)
    assert response.status_code == 200, response.text
    return response.json()


async def test_status_is_connected_only_for_an_account_updated_after(client, fake_graph, issue_token):
    token = await issue_token()
    started = utcnow().isoformat()
    before = await status(client, token, started)
    assert before.status_code == 200 and before.json() == {"connected": False, "numbers": []}

    await connect(client, fake_graph, token)
    after_claim = await status(client, token, started)  # the token is used now, and still accepted
    assert after_claim.json()["connected"] is True
    assert [n["phone_number_id"] for n in after_claim.json()["numbers"]] == ["PN1"]
    assert (await status(client, token)).json()["connected"] is True, "no 'after': any active account"

    later = (utcnow() + timedelta(seconds=5)).isoformat()
    assert (await status(client, token, later)).json() == {"connected": False, "numbers": []}
    zulu = (utcnow() - timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    assert (await status(client, token, zulu)).json()["connected"] is True
    naive = (utcnow() - timedelta(minutes=1)).replace(tzinfo=None).isoformat()
    assert (await status(client, token, naive)).json()["connected"] is True, "naive times are UTC"


async def test_status_only_sees_its_own_workspace(client, fake_graph, issue_token):
    other = await issue_token(team_id="T0OTHER")
    await connect(client, fake_graph, other)
    mine = await issue_token()
    assert (await status(client, mine)).json()["connected"] is False


async def test_status_needs_a_genuine_link(client, issue_token):
    forged = await status(client, "abc.def")
    assert forged.status_code == 400 and forged.json()["problem"] == "link_forged"
    expired = await status(client, await issue_token(now=utcnow() - timedelta(minutes=30)))
    assert expired.status_code == 410 and expired.json()["problem"] == "link_expired"
    bad_after = await status(client, await issue_token(), "yesterday")
    assert bad_after.status_code == 400 and bad_after.json()["problem"] == "bad_after"


# ---- the redirect fallback -----------------------------------------------------------------------------

async def test_callback_claims_with_the_redirect_uri_and_shows_the_result(client, services, fake_graph,
                                                                         issue_token, counts):
    token = await issue_token()
    response = await client.get("/connect/callback",
                                params={"code": fake_graph.issue_code("WABA1"), "state": token})
    assert response.status_code == 200, response.text
    assert fake_graph.exchange_params[0].get("redirect_uri") == f"{PUBLIC_BASE_URL}/connect/callback"
    html = response.text
    assert '<body data-state="success"' in html
    assert '<section id="state-success" class="panel">' in html, "the success panel is the visible one"
    assert "+1 555-010-0001 · Acme Recruiting" in html
    assert '<div id="success-payment" class="payment" role="alert" hidden>' in html, "it has a payment method"
    assert page_config(html)["initialState"] == "success"
    assert f'data-reload="{PUBLIC_BASE_URL}/connect/callback?state={token}"' in html, "not the spent code"

    before = await counts()
    replay = await client.get("/connect/callback", params={"code": "again", "state": token})
    assert replay.status_code == 410
    assert escape(wording.LINK_HEADINGS[LinkProblem.USED]) in replay.text
    assert await counts() == before

    reload = await client.get("/connect/callback", params={"state": token})  # what the address bar says now
    assert reload.status_code == 200
    assert '<body data-state="success"' in reload.text and "+1 555-010-0001 · Acme Recruiting" in reload.text
    assert await counts() == before


async def test_reloading_a_result_too_late_or_after_a_failure_says_the_link_was_used(client, services,
                                                                                     fake_graph, issue_token):
    failed = await issue_token()
    response = await client.get("/connect/callback", params={"code": "expired-code", "state": failed})
    assert response.status_code == 400
    forged = await client.get("/connect/callback", params={"state": "made.up"})
    assert forged.status_code == 400
    # the failure handed out a fresh link; the spent one, reloaded, explains itself
    spent = await client.get("/connect/callback", params={"state": failed})
    assert spent.status_code == 410 and escape(wording.USED_AFTER_FAILURE) in spent.text

    token = await issue_token()
    await client.get("/connect/callback", params={"code": fake_graph.issue_code("WABA1"), "state": token})
    services.links.ttl = timedelta(seconds=0)  # long after
    late = await client.get("/connect/callback", params={"state": token})
    assert late.status_code == 410 and escape(wording.LINK_TEXT[LinkProblem.USED]) in late.text


async def test_the_success_page_asks_for_a_payment_method_only_when_meta_says_it_is_missing(
        client, fake_graph, issue_token):
    fake_graph.wabas["WABA1"].numbers[0]["health_status"] = {
        "can_send_message": "BLOCKED",
        "entities": [{"entity_type": "WABA", "id": "WABA1", "can_send_message": "BLOCKED",
                      "errors": [{"error_code": 141006, "error_description": "payment method error"}]}],
    }
    token = await issue_token()
    response = await client.get("/connect/callback",
                                params={"code": fake_graph.issue_code("WABA1"), "state": token})
    html = response.text
    assert '<div id="success-payment" class="payment" role="alert">' in html
    assert escape(wording.PAGE["payment_heading"]) in html
    assert f'<a href="{wording.WHATSAPP_MANAGER_URL}" target="_blank" rel="noopener">WhatsApp Manager</a>' in html
    assert escape(wording.WARNINGS["payment_missing"]) not in html, "shown once, as the block with the link"
    answer = await client.post("/connect/complete", json={"token": await issue_token(),
                                                          "code": fake_graph.issue_code("WABA1")})
    assert "payment_missing" in [w["code"] for w in answer.json()["warnings"]]


async def test_callback_with_several_numbers_opens_the_chooser(client, fake_graph, issue_token):
    token = await issue_token()
    params = {"code": fake_graph.issue_code("WABA2"), "state": token}
    response = await client.get("/connect/callback", params=params)
    assert response.status_code == 200
    assert '<body data-state="choose"' in response.text
    assert 'value="PN21" checked' in response.text and 'value="PN22"' in response.text
    assert page_config(response.text)["token"] == token, "the chooser posts with the consumed link"


async def test_callback_failure_shows_the_problem_and_a_fresh_link(client, services, fake_graph, issue_token):
    token = await issue_token()
    response = await client.get("/connect/callback", params={"code": "expired-code", "state": token})
    assert response.status_code == 400
    assert '<body data-state="error"' in response.text
    assert escape(wording.PROBLEMS["code_rejected"]) in response.text
    retry = page_config(response.text)["token"]
    assert retry != token
    await services.links.inspect(retry)
    assert f"state={retry}" in page_config(response.text)["redirectUrl"]


async def test_callback_user_cancel_returns_to_idle_with_the_same_link(client, issue_token, counts):
    token = await issue_token()
    before = await counts()
    response = await client.get("/connect/callback", params={
        "error": "access_denied", "error_reason": "user_denied", "error_description": "Permissions error",
        "state": token})
    assert response.status_code == 400
    assert '<body data-state="idle"' in response.text
    assert escape(wording.CALLBACK_CANCELLED) in response.text
    assert page_config(response.text)["token"] == token
    assert await counts() == before


PHISHING = "Your account is locked. Call +1 555 0100 or visit evil.example to restore it"


async def test_callback_error_shows_our_words_never_the_address(client, issue_token, counts):
    token = await issue_token()
    before = await counts()
    response = await client.get("/connect/callback", params={
        "error": "server_error", "error_code": "2", "error_reason": PHISHING, "error_description": PHISHING,
        "error_message": PHISHING, "state": token})
    assert response.status_code == 400
    html = response.text
    assert '<body data-state="error"' in html
    assert escape(wording.CALLBACK_ERROR_HEADING) in html
    assert escape(wording.CALLBACK_ERRORS["server_error"]) in html
    assert "Facebook error server_error, code 2" in html
    for piece in ("Call +1 555", "evil.example", "is locked"):
        assert piece not in html, "nothing from the address reaches the page"
    assert f'data-reload="{PUBLIC_BASE_URL}/connect?token={token}"' in html, "a reload starts over"

    unknown = await client.get("/connect/callback", params={
        "error": PHISHING, "error_code": "555 0100 call now", "state": token})
    assert unknown.status_code == 400
    assert escape(wording.CALLBACK_ERROR_NO_MESSAGE) in unknown.text
    for piece in ("555 0100", "call now", "evil.example"):
        assert piece not in unknown.text

    crafted = await client.get("/connect/callback?error=x&error_description=" + quote("Call +1 555 0000")
                               + "&state=forged.token")
    assert crafted.status_code == 400
    assert "Call +1 555" not in crafted.text
    assert await counts() == before


async def test_facebooks_cancel_code_returns_to_idle(client, issue_token):
    token = await issue_token()
    response = await client.get("/connect/callback", params={
        "error_code": "4201", "error_message": "User canceled the Dialog flow", "state": token})
    assert response.status_code == 400
    assert '<body data-state="idle"' in response.text
    assert escape(wording.CALLBACK_CANCELLED) in response.text
    assert "User canceled" not in response.text


async def test_callback_without_code_or_state(client):
    response = await client.get("/connect/callback")
    assert response.status_code == 400
    assert escape(wording.CALLBACK_MISSING_HEADING) in response.text


async def test_status_link_for_the_same_team(client, fake_graph, issue_token):
    token = await issue_token(team_id=TEAM)
    await connect(client, fake_graph, token)
    assert (await status(client, await issue_token(team_id=TEAM))).json()["connected"] is True
