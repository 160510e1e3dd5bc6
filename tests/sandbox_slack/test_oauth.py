"""The OAuth v2 install flow: consent page -> redirect with code and state -> oauth.v2.access once."""

from __future__ import annotations

import base64
from urllib.parse import parse_qs, urlsplit

import pytest

from sandbox.slack import SlackSimConfig, create_slack_simulator

REDIRECT = "http://relay.test/slack/oauth_redirect"
AUTHORIZE = {
    "client_id": "1111.2222",
    "scope": "chat:write,commands",
    "state": "st-1",
    "redirect_uri": REDIRECT,
}
BASIC = "Basic " + base64.b64encode(b"1111.2222:sim-client-secret").decode()


def redirect_query(response) -> dict[str, str]:
    assert response.status_code == 302
    location = response.headers["location"]
    assert location.startswith(REDIRECT + "?")
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


async def exchange(client, code: str, *, auth: str = BASIC, redirect_uri: str = REDIRECT) -> dict:
    response = await client.post(
        "/api/oauth.v2.access",
        data={"code": code, "redirect_uri": redirect_uri},
        headers={"Authorization": auth},
    )
    return response.json()


async def test_consent_page_has_allow_and_cancel(client, ws):
    page = await client.get("/oauth/v2/authorize", params=AUTHORIZE)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert 'id="allow"' in page.text and 'id="cancel"' in page.text and "chat:write" in page.text


async def test_allow_then_exchange_the_code_once(client, ws, world):
    form = {**AUTHORIZE, "decision": "allow"}
    query = redirect_query(await client.post("/oauth/v2/authorize", data=form))
    assert query["state"] == "st-1"
    body = await exchange(client, query["code"])
    assert body["ok"] is True and body["token_type"] == "bot" and body["access_token"] == ws.bot_token
    assert body["team"] == {"id": "T0SANDBOX", "name": "Sandbox"} and body["enterprise"] is None
    assert body["authed_user"] == {"id": ws.admin_user_id} and body["bot_user_id"] == ws.bot_user_id
    assert body["scope"] == "chat:write,commands" and body["is_enterprise_install"] is False
    assert (await exchange(client, query["code"]))["error"] == "invalid_code"


async def test_installed_scopes_are_enforced(client, ws):
    query = redirect_query(await client.get("/oauth/v2/authorize", params={**AUTHORIZE, "auto": "1"}))
    token = (await exchange(client, query["code"]))["access_token"]
    response = await client.post(
        "/api/reactions.add",
        data={"token": token, "channel": ws.public_channel_id, "name": "eyes", "timestamp": "1.000001"},
    )
    assert response.json()["error"] == "missing_scope"


async def test_cancel_denies(client, ws):
    query = redirect_query(await client.post("/oauth/v2/authorize", data={**AUTHORIZE, "decision": "cancel"}))
    assert query == {"error": "access_denied", "state": "st-1"}


async def test_exchange_errors(client, ws):
    code = redirect_query(await client.get("/oauth/v2/authorize", params={**AUTHORIZE, "auto": "1"}))["code"]
    wrong_secret = "Basic " + base64.b64encode(b"1111.2222:nope").decode()
    assert (await exchange(client, code, auth=wrong_secret))["error"] == "bad_client_secret"
    wrong_id = "Basic " + base64.b64encode(b"9999.0000:sim-client-secret").decode()
    assert (await exchange(client, code, auth=wrong_id))["error"] == "invalid_client_id"
    assert (await exchange(client, code, redirect_uri="http://evil.test/cb"))["error"] == "bad_redirect_uri"
    assert (await exchange(client, "1.made-up"))["error"] == "invalid_code"
    form_credentials = await client.post(
        "/api/oauth.v2.access",
        data={
            "code": code,
            "redirect_uri": REDIRECT,
            "client_id": "1111.2222",
            "client_secret": "sim-client-secret",
        },
    )
    assert form_credentials.json()["ok"] is True


async def test_codes_expire(client, ws, clock):
    code = redirect_query(await client.get("/oauth/v2/authorize", params={**AUTHORIZE, "auto": "1"}))["code"]
    clock.advance(601)
    assert (await exchange(client, code))["error"] == "invalid_code"


async def test_reinstall_after_uninstall_issues_a_new_token(client, ws):
    old = ws.bot_token
    await client.post("/_sim/slack/uninstall", json={"team_id": "T0SANDBOX", "deliver": False})
    code = redirect_query(await client.get("/oauth/v2/authorize", params={**AUTHORIZE, "auto": "1"}))["code"]
    body = await exchange(client, code)
    assert body["access_token"] != old
    check = await client.post("/api/auth.test", data={"token": old})
    assert check.json()["error"] == "account_inactive"
    assert (await client.post("/api/auth.test", data={"token": body["access_token"]})).json()["ok"] is True


@pytest.mark.parametrize(
    ("params", "problem"),
    [
        ({**AUTHORIZE, "client_id": "nope"}, "invalid_client_id"),
        ({**AUTHORIZE, "scope": ""}, "invalid_scope"),
        ({**AUTHORIZE, "scope": "chat:Write!"}, "invalid_scope"),
    ],
)
async def test_authorize_refuses_bad_requests(client, ws, params, problem):
    page = await client.get("/oauth/v2/authorize", params=params)
    assert page.status_code == 400 and problem in page.text


async def test_configured_redirect_urls_are_enforced():
    import httpx

    config = SlackSimConfig(signing_secret="s", redirect_urls=("https://relay.example/slack/oauth_redirect",))
    app = create_slack_simulator(config)
    app.state.sim.add_workspace()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://sim") as client:
        bad = await client.get("/oauth/v2/authorize", params=AUTHORIZE)
        assert bad.status_code == 400 and "bad_redirect_uri" in bad.text
        default = await client.get(
            "/oauth/v2/authorize",
            params={k: v for k, v in AUTHORIZE.items() if k != "redirect_uri"} | {"auto": "1"},
        )
        assert default.headers["location"].startswith("https://relay.example/slack/oauth_redirect?code=")
