"""The Web API edge: tokens, argument parsing, strict required arguments, the call log."""

from __future__ import annotations

from .conftest import assert_matches_spec


async def test_auth_test_describes_the_bot_in_the_documented_shape(api, ws):
    body = await api("auth.test")
    assert (
        body["team_id"] == "T0SANDBOX" and body["user_id"] == ws.bot_user_id and body["bot_id"] == ws.bot_id
    )
    assert_matches_spec("auth.test", body)


async def test_missing_token_is_not_authed(api):
    assert (await api("auth.test", token=None))["error"] == "not_authed"


async def test_unknown_token_is_invalid_auth(api):
    assert (await api("auth.test", token="xoxb-0-0-nope"))["error"] == "invalid_auth"


async def test_json_body_needs_a_bearer_token(client, ws):
    response = await client.post("/api/auth.test", json={"token": ws.bot_token})
    assert response.json() == {"ok": False, "error": "not_authed"}


async def test_token_as_form_field_is_accepted(client, ws):
    response = await client.post("/api/auth.test", data={"token": ws.bot_token})
    assert response.json()["ok"] is True


async def test_get_with_query_arguments_works_like_slack(client, ws):
    response = await client.get(
        "/api/conversations.info",
        params={"channel": ws.public_channel_id},
        headers={"Authorization": f"Bearer {ws.bot_token}"},
    )
    assert response.json()["channel"]["name"] == "recruiting"


async def test_unknown_method(api):
    assert (await api("chat.postMessagee", channel="C0PUBLIC", text="x"))["error"] == "unknown_method"


async def test_missing_required_arguments_are_named(api):
    body = await api("chat.update", text="x")
    assert body["error"] == "invalid_arguments"
    assert body["response_metadata"]["messages"] == [
        "[ERROR] missing required field: channel",
        "[ERROR] missing required field: ts",
    ]


async def test_required_arguments_come_from_the_official_spec():
    from sandbox.slack.strict import required_arguments, spec_required_arguments

    assert spec_required_arguments()["reactions.add"] == ("channel", "name", "timestamp")
    assert required_arguments("views.open") == ("trigger_id", "view")
    assert required_arguments("files.getUploadURLExternal") == ("filename", "length")  # newer than the spec


async def test_malformed_json_body(client, ws):
    headers = {"Authorization": f"Bearer {ws.bot_token}", "Content-Type": "application/json"}
    response = await client.post("/api/chat.postMessage", content=b"{nope", headers=headers)
    assert response.json()["error"] == "invalid_json"
    response = await client.post("/api/chat.postMessage", content=b"[1]", headers=headers)
    assert response.json()["error"] == "json_not_object"


async def test_json_without_charset_gets_slacks_warning(client, ws):
    headers = {"Authorization": f"Bearer {ws.bot_token}", "Content-Type": "application/json"}
    response = await client.post("/api/auth.test", content=b"{}", headers=headers)
    assert response.json()["warning"] == "missing_charset"


async def test_missing_scope_names_the_needed_scope(client, world):
    narrow = world.add_workspace("T0NARROW", "Narrow", "narrow", scopes=("chat:write",))
    response = await client.post(
        "/api/reactions.add",
        data={
            "token": narrow.bot_token,
            "channel": narrow.public_channel_id,
            "name": "eyes",
            "timestamp": "1.2",
        },
    )
    body = response.json()
    assert body["error"] == "missing_scope" and body["needed"] == "reactions:write"
    assert body["provided"] == "chat:write"


async def test_every_call_is_recorded_and_listable(api, client, ws):
    await api("chat.postMessage", channel=ws.public_channel_id, text="one")
    await api("chat.postMessage", channel=ws.nobot_channel_id, text="two")
    await api("auth.test")
    listed = (await client.get("/_sim/slack/calls", params={"method": "chat.postMessage"})).json()
    assert [c["args"]["text"] for c in listed] == ["one", "two"]
    assert listed[0]["team_id"] == "T0SANDBOX" and listed[0]["response"]["ok"] is True
    assert listed[1]["response"]["error"] == "not_in_channel"
    assert len((await client.get("/_sim/slack/calls")).json()) == 3
    await client.delete("/_sim/slack/calls")
    assert (await client.get("/_sim/slack/calls")).json() == []


async def test_health(client):
    assert (await client.get("/_sim/slack/health")).json() == {"ok": True}


async def test_second_workspace_has_its_own_token_and_ids(client, api, ws):
    created = (
        await client.post("/_sim/slack/workspaces", json={"team_id": "T0SECOND", "name": "Second"})
    ).json()
    assert created["team_id"] == "T0SECOND" and created["bot_token"] != ws.bot_token
    assert created["channels"]["public"] != ws.public_channel_id  # Slack ids are global
    other = await api(
        "chat.postMessage", token=created["bot_token"], channel=created["channels"]["public"], text="hello"
    )
    assert other["ok"] is True
    cross = await api("chat.postMessage", token=created["bot_token"], channel=ws.public_channel_id, text="x")
    assert cross["error"] == "channel_not_found"


async def test_apps_uninstall_needs_the_app_credentials_and_revokes_the_token(api, ws, clock):
    wrong = await api("apps.uninstall", as_json=False, client_id="1111.2222", client_secret="nope")
    assert wrong["error"] == "bad_client_secret"
    clock.advance(60)  # Tier 1: one call a minute, failed calls count too
    done = await api(
        "apps.uninstall", as_json=False, client_id="1111.2222", client_secret="sim-client-secret"
    )
    assert done == {"ok": True}
    assert (await api("chat.postMessage", channel=ws.public_channel_id, text="x"))[
        "error"
    ] == "account_inactive"


async def test_messages_over_http(api, client, ws):
    await api("chat.postMessage", channel=ws.public_channel_id, text="visible")
    listed = (await client.get("/_sim/slack/messages", params={"channel": ws.public_channel_id})).json()
    assert [m["text"] for m in listed] == ["visible"]
    assert (await client.get("/_sim/slack/messages", params={"channel": "C0NOPE"})).status_code == 404


async def test_the_root_answers_an_index_of_what_the_simulator_offers(client):
    response = await client.get("/")
    assert response.status_code == 200
    index = response.json()
    assert index["simulator"] == "Slack" and index["web_api"]["path"] == "/api/{method}"
    assert {"chat.postMessage", "conversations.history", "conversations.replies"} <= set(index["web_api"]["methods"])
    assert [entry["path"] for entry in index["oauth"]] == ["/oauth/v2/authorize"]
    controls = {entry["path"] for entry in index["controls"]}
    assert {"/_sim/slack/event", "/_sim/slack/settings", "/_sim/slack/channels/archive",
            "/_sim/slack/views/close"} <= controls
    assert any(entry["path"].startswith("/_sim/slack/upload/") for entry in index["files"])
    assert index["settings"]["rate_limits"] is True
