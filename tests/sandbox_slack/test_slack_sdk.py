"""The simulator driven by the real clients over real HTTP: slack_sdk's AsyncWebClient and a Bolt AsyncApp."""

from __future__ import annotations

import asyncio
import json
import re

import httpx
import pytest
from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncApp
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.oauth.installation_store import FileInstallationStore
from slack_sdk.oauth.state_store import FileOAuthStateStore
from slack_sdk.web.async_client import AsyncWebClient
from starlette.applications import Starlette
from starlette.routing import Route

from sandbox.slack import SlackSimConfig, create_slack_simulator

from .conftest import SECRET, free_socket, serve_in_thread


async def test_web_client_round_trip(served_sim):
    base_url, world = served_sim
    ws = world.add_workspace()
    client = AsyncWebClient(token=ws.bot_token, base_url=f"{base_url}/api/")
    assert (await client.auth_test())["bot_id"] == ws.bot_id
    posted = await client.chat_postMessage(
        channel=ws.public_channel_id,
        text="hi",
        blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": "*hi*"}}],
    )
    assert posted["message"]["blocks"][0]["text"]["text"] == "*hi*"
    reply = await client.chat_postMessage(
        channel=ws.public_channel_id, text="in thread", thread_ts=posted["ts"]
    )
    assert reply["message"]["thread_ts"] == posted["ts"]
    await client.reactions_add(channel=ws.public_channel_id, timestamp=posted["ts"], name="eyes")
    created = await client.conversations_create(name="wa-42", is_private=True)
    await client.conversations_invite(channel=created["channel"]["id"], users=[ws.admin_user_id])
    published = await client.views_publish(user_id=ws.admin_user_id, view={"type": "home", "blocks": []})
    assert world.latest_home_view("T0SANDBOX", ws.admin_user_id)["id"] == published["view"]["id"]
    assert (await client.users_info(user=ws.owner_user_id))["user"]["is_owner"] is True
    with pytest.raises(SlackApiError) as failure:
        await client.chat_postMessage(channel=ws.nobot_channel_id, text="x")
    assert failure.value.response["error"] == "not_in_channel"


async def test_files_upload_v2_with_slack_sdk_then_download(served_sim):
    base_url, world = served_sim
    ws = world.add_workspace()
    client = AsyncWebClient(token=ws.bot_token, base_url=f"{base_url}/api/")
    root = await client.chat_postMessage(channel=ws.public_channel_id, text="conversation")
    done = await client.files_upload_v2(
        channel=ws.public_channel_id,
        thread_ts=root["ts"],
        content=b"%PDF-1.7",
        filename="offer.pdf",
        title="Offer",
        initial_comment="signed",
    )
    file = done["file"]
    assert file["title"] == "Offer" and file["mimetype"] == "application/pdf"
    async with httpx.AsyncClient() as http:
        good = await http.get(
            file["url_private_download"], headers={"Authorization": f"Bearer {ws.bot_token}"}
        )
        html = await http.get(file["url_private_download"])
    assert good.content == b"%PDF-1.7" and html.headers["content-type"].startswith("text/html")
    for _ in range(100):  # the share message comes a moment after the upload completes
        if world.messages(ws.public_channel_id)[-1].get("files"):
            break
        await asyncio.sleep(0.05)
    assert world.messages(ws.public_channel_id)[-1]["thread_ts"] == root["ts"]


async def test_rate_limit_retry_handler_honours_retry_after(served_sim):
    base_url, world = served_sim
    ws = world.add_workspace()
    async with httpx.AsyncClient(base_url=base_url) as http:
        await http.post(
            "/_sim/slack/faults", json={"method": "chat.postMessage", "status": 429, "retry_after": 1}
        )
    client = AsyncWebClient(
        token=ws.bot_token,
        base_url=f"{base_url}/api/",
        retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=1)],
    )
    assert (await client.chat_postMessage(channel=ws.public_channel_id, text="eventually"))["ok"] is True
    assert [c["status"] for c in world.calls("chat.postMessage")] == [429, 200]
    gap = world.calls("chat.postMessage")[1]["time"] - world.calls("chat.postMessage")[0]["time"]
    assert gap >= 1.0


@pytest.mark.filterwarnings("ignore:BasicAuth is deprecated:DeprecationWarning")
async def test_oauth_v2_access_with_slack_sdk(served_sim):
    base_url, world = served_sim
    ws = world.add_workspace()
    redirect = "http://relay.test/slack/oauth_redirect"
    async with httpx.AsyncClient(base_url=base_url) as http:
        page = await http.get(
            "/oauth/v2/authorize",
            params={
                "client_id": "1111.2222",
                "scope": "chat:write",
                "state": "s",
                "redirect_uri": redirect,
                "auto": "1",
            },
        )
    code = httpx.URL(page.headers["location"]).params["code"]
    client = AsyncWebClient(base_url=f"{base_url}/api/")
    granted = await client.oauth_v2_access(
        client_id="1111.2222", client_secret="sim-client-secret", code=code, redirect_uri=redirect
    )
    assert granted["access_token"] == ws.bot_token and granted["team"]["id"] == "T0SANDBOX"
    with pytest.raises(SlackApiError) as failure:
        await client.oauth_v2_access(
            client_id="1111.2222", client_secret="sim-client-secret", code=code, redirect_uri=redirect
        )
    assert failure.value.response["error"] == "invalid_code"


async def test_a_bolt_app_answers_a_delivered_event_through_the_simulator():
    """app_home_opened from the simulator -> Bolt verifies and handles it -> views.publish lands here."""
    sock = free_socket()
    port = sock.getsockname()[1]

    async def slack_events(request):
        return await handler.handle(request)

    relay = Starlette(routes=[Route("/slack/events", slack_events, methods=["POST"])])
    config = SlackSimConfig(
        signing_secret=SECRET,
        relay_events_url="http://relay.test/slack/events",
        public_url=f"http://127.0.0.1:{port}",
    )
    sim = create_slack_simulator(config, relay_transport=httpx.ASGITransport(app=relay))
    world = sim.state.sim
    ws = world.add_workspace()
    bolt = AsyncApp(
        signing_secret=SECRET,
        client=AsyncWebClient(token=ws.bot_token, base_url=f"http://127.0.0.1:{port}/api/"),
    )

    @bolt.event("app_home_opened")
    async def home(event, client):
        await client.views_publish(
            user_id=event["user"],
            view={
                "type": "home",
                "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Connect WhatsApp"}}],
            },
        )

    handler = AsyncSlackRequestHandler(bolt)
    event = {"type": "app_home_opened", "user": ws.member_user_id}
    with serve_in_thread(sim, sock) as base_url:
        async with httpx.AsyncClient(base_url=base_url) as http:
            report = (await http.post("/_sim/slack/event", json={"kind": "event", "event": event})).json()
            assert report["status"] == 200
            forged = (
                await http.post(
                    "/_sim/slack/event", json={"kind": "event", "signature": "v0=bad", "event": event}
                )
            ).json()
            assert forged["status"] == 401 and json.loads(forged["body"]) == {"error": "invalid request"}
            for _ in range(100):
                if world.calls("views.publish"):
                    break
                await asyncio.sleep(0.05)
    view = world.latest_home_view("T0SANDBOX", ws.member_user_id)
    assert view is not None and view["blocks"][0]["text"]["text"] == "Connect WhatsApp"
    assert [c["method"] for c in world.calls()] == ["auth.test", "views.publish"]


@pytest.mark.filterwarnings("ignore:BasicAuth is deprecated:DeprecationWarning")
async def test_bolt_oauth_install_flow_completes_against_the_simulator(served_sim, tmp_path):
    """/slack/install -> consent page -> Allow -> /slack/oauth_redirect -> Bolt stores our token."""
    base_url, world = served_sim
    ws = world.add_workspace()
    store = FileInstallationStore(base_dir=str(tmp_path / "installations"))
    settings = AsyncOAuthSettings(
        client_id="1111.2222",
        client_secret="sim-client-secret",
        scopes=["chat:write", "commands"],
        redirect_uri="http://relay.test/slack/oauth_redirect",
        authorization_url=f"{base_url}/oauth/v2/authorize",
        installation_store=store,
        install_page_rendering_enabled=False,
        state_store=FileOAuthStateStore(expiration_seconds=600, base_dir=str(tmp_path / "states")),
    )
    bolt = AsyncApp(
        signing_secret=SECRET, oauth_settings=settings, client=AsyncWebClient(base_url=f"{base_url}/api/")
    )
    handler = AsyncSlackRequestHandler(bolt)

    async def oauth(request):
        return await handler.handle(request)

    relay = Starlette(routes=[Route("/slack/install", oauth), Route("/slack/oauth_redirect", oauth)])
    async with (
        httpx.AsyncClient(transport=httpx.ASGITransport(app=relay), base_url="http://relay.test") as app_http,
        httpx.AsyncClient() as browser,
    ):
        install = await app_http.get("/slack/install")
        assert install.status_code == 302 and install.headers["location"].startswith(
            f"{base_url}/oauth/v2/authorize"
        )
        state_cookie = install.headers["set-cookie"].split(";")[0]
        consent = await browser.get(install.headers["location"])
        form = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', consent.text))
        allowed = await browser.post(f"{base_url}/oauth/v2/authorize", data={**form, "decision": "allow"})
        callback = httpx.URL(allowed.headers["location"])
        assert callback.path == "/slack/oauth_redirect"
        done = await app_http.get(callback.raw_path.decode(), headers={"Cookie": state_cookie})
    assert done.status_code == 200, done.text
    installation = await store.async_find_installation(enterprise_id=None, team_id="T0SANDBOX")
    assert (
        installation is not None
        and installation.bot_token == ws.bot_token
        and installation.bot_id == ws.bot_id
    )
    assert [c["method"] for c in world.calls()] == ["oauth.v2.access", "auth.test"]


async def test_slack_sdk_rides_out_the_per_channel_limit_with_its_retry_handler(served_sim):
    base_url, world = served_sim
    ws = world.add_workspace()
    client = AsyncWebClient(
        token=ws.bot_token,
        base_url=f"{base_url}/api/",
        retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=2)],
    )
    for i in range(4):  # a burst of three, then about one a second
        assert (await client.chat_postMessage(channel=ws.public_channel_id, text=f"m{i}"))["ok"] is True
    statuses = [c["status"] for c in world.calls("chat.postMessage")]
    assert statuses == [200, 200, 200, 429, 200]
    limited = world.calls("chat.postMessage")[3]
    assert limited["response"] == {"ok": False, "error": "ratelimited"}
    assert [m["text"] for m in world.messages(ws.public_channel_id)] == ["m0", "m1", "m2", "m3"]
