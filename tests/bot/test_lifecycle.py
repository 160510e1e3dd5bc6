"""The app's life in a workspace, and what Slack must never see fail: request verification, uninstall and
reinstall, acknowledgement of everything subscribed, the not-yet-built template entry points, token mode."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import time
from http.cookies import SimpleCookie
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.routing import Route

from bot import template_modal_wording, wording
from bot.app import BOT_SCOPES, create_bolt_app
from bot.clients import SlackClients
from sandbox.slack.signing import signed_headers
from storage.models import AccountStatus
from storage.repositories import AccountRepository, AuditRepository, InstallationRepository

from .conftest import controls, eventually, view_text

MESSAGE_SUBTYPES = [
    None,
    "bot_message",
    "thread_broadcast",
    "file_share",
    "me_message",
    "message_changed",
    "message_deleted",
    "message_replied",
    "channel_join",
    "channel_leave",
    "channel_topic",
    "channel_purpose",
    "channel_name",
    "channel_archive",
    "channel_unarchive",
    "group_join",
    "pinned_item",
    "unpinned_item",
    "ekm_access_denied",
    "reminder_add",
    "a_subtype_slack_adds_next_year",
]


async def installation(stack, team_id: str):
    async with stack.services.database.session() as session:
        installations = InstallationRepository(session, stack.services.cipher)
        live = await installations.find(team_id)
        return live, (installations.bot_token(live) if live else None), await installations.find_any(team_id)


async def install_through_oauth(stack) -> httpx.Response:
    """/slack/install → Slack's consent page (approved) → /slack/oauth_redirect, in one browser."""
    start = await stack.http.get(f"{stack.relay_url}/slack/install", follow_redirects=False)
    assert start.status_code == 302, start.text
    authorize = start.headers["location"]
    query = parse_qs(urlsplit(authorize).query)
    assert authorize.startswith(stack.settings.SLACK_AUTHORIZE_URL)
    assert query["scope"] == [",".join(BOT_SCOPES)]
    assert query["redirect_uri"] == [f"{stack.relay_url}/slack/oauth_redirect"]
    cookie = SimpleCookie(start.headers["set-cookie"])
    approved = await stack.http.get(authorize + "&auto=1", follow_redirects=False)
    assert approved.status_code == 302, approved.text
    jar = "; ".join(f"{name}={morsel.value}" for name, morsel in cookie.items())
    return await stack.http.get(approved.headers["location"], headers={"cookie": jar}, follow_redirects=False)


async def test_uninstall_forgets_the_token_and_reinstall_shows_numbers_disconnected(stack, slack):
    outcome = await stack.connect_number(user_id="U0ADMIN")
    assert outcome["status"] == "connected"
    old_token = slack.ws.bot_token
    assert await stack.relay.clients.for_team(slack.team_id) is not None

    removed = await stack.http.post(
        f"{stack.slack_sim_url}/_sim/slack/uninstall", json={"team_id": slack.team_id}
    )
    deliveries = removed.json()["deliveries"]
    assert [d["status"] for d in deliveries] == [200, 200]

    async def gone():
        live, _, row = await installation(stack, slack.team_id)
        return live is None and row.bot_token_encrypted is None and row.revoked_at is not None

    await eventually(gone, what="the token to be forgotten")
    async with stack.services.database.session() as session:
        accounts = await AccountRepository(session, stack.services.cipher).list_for_team(slack.team_id)
        entries = await AuditRepository(session).list(slack.team_id)
    assert [a.status for a in accounts] == [AccountStatus.DISCONNECTED.value]
    assert [e.action for e in entries].count("slack.uninstalled") == 1  # two events, one removal
    assert await stack.relay.clients.for_team(slack.team_id) is None  # nothing is relayed to it any more
    assert not stack.meta.is_subscribed(outcome["waba_id"])  # and Meta stops sending its webhooks

    # the app comes back
    finished = await install_through_oauth(stack)
    assert finished.status_code == 200, finished.text
    live, token, _ = await installation(stack, slack.team_id)
    assert live is not None and token == slack.ws.bot_token != old_token
    assert set(live.bot_scopes.split(",")) == set(BOT_SCOPES)

    view = await slack.open_home("U0ADMIN")
    assert ":white_circle: Disconnected" in view_text(view)
    keys = set(controls(view))
    assert any(k.startswith("reconnect_account:") for k in keys)
    assert not any(k.startswith(("disconnect_account:", "move_number:")) for k in keys)


async def test_links_issued_before_the_app_was_removed_stay_dead_after_a_reinstall(stack, slack):
    url = await stack.connect_link("U0ADMIN")
    assert (await stack.http.get(url)).status_code == 200
    removed = await stack.http.post(f"{stack.slack_sim_url}/_sim/slack/uninstall", json={"team_id": slack.team_id})
    assert [d["status"] for d in removed.json()["deliveries"]] == [200, 200]

    async def link_refused():
        return (await stack.http.get(url)).status_code in (400, 410)

    await eventually(link_refused, what="the old link to die")
    assert (await install_through_oauth(stack)).status_code == 200
    assert (await stack.http.get(url)).status_code in (400, 410), "a reinstall does not revive it"
    assert (await stack.http.get(await stack.connect_link("U0ADMIN"))).status_code == 200


async def test_an_oauth_callback_from_another_browser_installs_nothing(stack, slack):
    start = await stack.http.get(f"{stack.relay_url}/slack/install", follow_redirects=False)
    approved = await stack.http.get(start.headers["location"] + "&auto=1", follow_redirects=False)
    finished = await stack.http.get(approved.headers["location"])  # no state cookie
    assert finished.status_code >= 400
    assert not [c for c in stack.slack.calls("oauth.v2.access")]


async def test_only_revoked_user_tokens_change_nothing(stack, slack):
    delivery = await slack.event({"type": "tokens_revoked", "tokens": {"oauth": ["U0ADMIN"], "bot": []}})
    assert delivery["status"] == 200
    await asyncio.sleep(0.3)
    live, _, _ = await installation(stack, slack.team_id)
    assert live is not None


async def test_requests_with_a_bad_signature_or_an_old_timestamp_are_refused(stack, slack):
    forged = await slack.event({"type": "app_home_opened", "user": "U0ADMIN"}, signature="v0=" + "0" * 64)
    assert forged["status"] == 401
    stale = await slack.event(
        {"type": "app_home_opened", "user": "U0ADMIN"}, timestamp=int(time.time()) - 600
    )
    assert stale["status"] == 401
    await asyncio.sleep(0.3)
    assert slack.publishes("U0ADMIN") == []
    good = await slack.event({"type": "app_home_opened", "user": "U0ADMIN"})
    assert good["status"] == 200


@pytest.mark.parametrize("subtype", MESSAGE_SUBTYPES)
async def test_every_message_subtype_is_acknowledged(stack, slack, subtype):
    event = {"type": "message", "channel": "C0PUBLIC", "user": "U0MEMBER", "text": "hello"}
    if subtype:
        event["subtype"] = subtype
    if subtype == "message_changed":
        event["message"] = {"type": "message", "user": "U0MEMBER", "text": "edited", "ts": "1.000001"}
    if subtype == "message_deleted":
        event["deleted_ts"] = "1.000001"
    for channel in ("C0PUBLIC", "G0PRIVATE"):  # message.channels and message.groups
        delivery = await slack.event({**event, "channel": channel}, force=True)
        assert delivery["status"] == 200 and not delivery["slack_would_retry"], delivery


@pytest.mark.parametrize(
    "event_type",
    ["member_joined_channel", "channel_created", "team_join", "app_mention", "an_event_slack_adds_next_year"],
)
async def test_other_events_are_acknowledged(stack, slack, event_type):
    delivery = await slack.event({"type": event_type, "user": "U0MEMBER", "channel": "C0PUBLIC"})
    assert delivery["status"] == 200 and not delivery["slack_would_retry"], delivery


async def test_link_buttons_and_unknown_interactions_are_acknowledged(stack, slack):
    view = await slack.open_home("U0ADMIN")
    connect = controls(view)["connect_whatsapp"]
    for action_id in (connect["action_id"], "reconnect_account:1", "a_button_from_an_old_view"):
        delivery = await slack.press("U0ADMIN", action_id, block_id="connect")
        assert delivery["body"] == ""
    closed = await stack.slack_event(
        kind="interactivity",
        payload={
            "type": "view_submission",
            "user": {"id": "U0ADMIN"},
            "view": {"id": "VUNKNOWN", "callback_id": "old_modal", "type": "modal", "state": {"values": {}}},
        },
    )
    assert closed["status"] == 200


async def test_template_command_and_shortcut_post_nothing_in_the_channel(stack, slack):
    command = await stack.slack_event(
        kind="command",
        command="/template",
        user_id="U0MEMBER",
        channel_id="C0PUBLIC",
        text="interview_invite",
    )
    assert command["status"] == 200 and command["body"] == ""  # the answer is a modal, for this person only
    await eventually(lambda: [c for c in stack.slack.calls("views.update") if c["response"].get("ok")],
                     what="the template modal, filled in")
    assert "No WhatsApp number is connected" in str(stack.slack.calls("views.update")[-1]["args"])

    shortcut = await stack.slack_event(
        kind="interactivity",
        payload={
            "type": "message_action",
            "callback_id": "send_template_from_message",
            "user": {"id": "U0MEMBER"},
            "channel": {"id": "C0PUBLIC", "name": "recruiting"},
            "message": {"type": "message", "ts": "1700000000.000100", "text": "candidate thread"},
        },
    )
    assert shortcut["status"] == 200
    replies = await eventually(
        lambda: [r for r in stack.slack.responses if r.get("user") == "U0MEMBER"], what="the shortcut's reply"
    )
    assert replies[0]["text"] == template_modal_wording.NOT_A_THREAD
    assert replies[0].get("response_type") == "ephemeral"
    assert all(m.get("text") != template_modal_wording.NOT_A_THREAD for m in stack.slack.messages("C0PUBLIC"))


async def test_single_workspace_token_mode(stack, slack):
    settings = stack.settings.model_copy(
        update={
            "SLACK_CLIENT_ID": None,
            "SLACK_CLIENT_SECRET": None,
            "SLACK_BOT_TOKEN": type(stack.settings.SLACK_SIGNING_SECRET)(slack.ws.bot_token),
        }
    )
    assert not settings.slack_oauth_enabled
    services = dataclasses.replace(stack.services, settings=settings)
    clients = SlackClients(services)
    app = create_bolt_app(services, clients)
    assert app.oauth_flow is None
    handler = AsyncSlackRequestHandler(app)

    async def endpoint(request: Request):
        return await handler.handle(request)

    web = Starlette(routes=[Route("/slack/events", endpoint, methods=["POST"])])
    body = json.dumps(
        {
            "type": "event_callback",
            "team_id": slack.team_id,
            "api_app_id": slack.ws.app_id,
            "event_id": "Ev0TOKEN",
            "event_time": int(time.time()),
            "event": {
                "type": "app_home_opened",
                "user": "U0OWNER",
                "tab": "home",
                "channel": "D0OWNER",
                "event_ts": "1.0",
            },
        }
    ).encode()
    headers = signed_headers(stack.secrets["signing_secret"], int(time.time()), body, "application/json")
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=web), base_url="http://relay") as http:
            answer = await http.post("/slack/events", content=body, headers=headers)
            assert answer.status_code == 200
            bad = await http.post(
                "/slack/events", content=body, headers={**headers, "X-Slack-Signature": "v0=1"}
            )
            assert bad.status_code == 401
        published = await eventually(lambda: slack.publishes("U0OWNER"), what="the token-mode publish")
        assert published[0]["token"] == slack.ws.bot_token
        assert wording.HOME_EMPTY in view_text(slack.home("U0OWNER"))
        client = await clients.for_team("T_ANY")
        assert client is not None and client.token == slack.ws.bot_token
    finally:
        await clients.aclose()
