"""The console's server side: only the sandbox serves it, it passes on only what the page needs, masks secrets
in the traffic it shows, and streams a change event when either simulator moves."""

from __future__ import annotations

import asyncio
import json

import httpx

from sandbox.console.traffic import Redactor
from sandbox.slack import SlackSimConfig, create_slack_simulator

CANDIDATE = "212600000042"


async def test_only_the_sandbox_serves_the_console(stack):
    page = await stack.http.get(stack.console_url)
    assert page.status_code == 200 and "waslack sandbox" in page.text
    assert (await stack.http.get(f"{stack.console_url}/static/blockkit.js")).status_code == 200
    assert stack.console_url.startswith(stack.slack_sim_url)
    assert (await stack.http.get(f"{stack.relay_url}/_console")).status_code == 404  # never the relay
    plain = create_slack_simulator(SlackSimConfig(signing_secret="s", relay_events_url=None, public_url="http://s"))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=plain), base_url="http://s") as http:
        assert (await http.get("/_console")).status_code == 404  # a bare simulator has none either


async def test_the_meta_pass_through_is_limited_to_what_the_page_needs(stack):
    outcome = await stack.connect_number()
    pnid = outcome["numbers"][0]["phone_number_id"]
    said = await stack.http.post(f"{stack.console_url}/meta/inbound", json={
        "phone_number_id": pnid, "from": CANDIDATE, "type": "text", "text": "hi", "wait": True})
    assert said.status_code == 200 and said.json()["status"] == 200  # the relay took the webhook
    chat = await stack.http.get(f"{stack.console_url}/meta/conversation",
                                params={"phone_number_id": pnid, "candidate": CANDIDATE})
    assert [i["message"]["text"]["body"] for i in chat.json()["data"]] == ["hi"]
    for method, name in (("POST", "seed"), ("POST", "faults"), ("GET", "faults"), ("POST", "settings"),
                         ("GET", "signup")):
        refused = await stack.http.request(method, f"{stack.console_url}/meta/{name}", json={})
        assert refused.status_code == 404, (method, name)


async def test_traffic_shows_calls_and_webhooks_without_tokens_or_secrets(stack):
    outcome = await stack.connect_number()
    pnid = outcome["numbers"][0]["phone_number_id"]
    await stack.http.post(f"{stack.meta_sim_url}/_sim/meta/inbound", json={
        "phone_number_id": pnid, "from": CANDIDATE, "type": "text", "text": "hi", "wait": True})
    shown = (await stack.http.get(f"{stack.console_url}/traffic")).json()
    assert {"chat.postMessage", "conversations.create"} <= {c["method"] for c in shown["slack_calls"]}
    assert any("messages" in w["fields"] and w["attempts"][0]["status"] == 200 for w in shown["webhooks"])
    # every Graph call the relay made, not only its sends: the connect steps and the read receipt too
    graph = {(c["method"], c["path"].split("/", 2)[-1].split("/", 1)[-1], c["status"]) for c in shown["graph_calls"]}
    assert {("GET", "access_token", 200), ("POST", "subscribed_apps", 200), ("POST", "register", 200)} <= graph
    text = json.dumps(shown) + (await stack.http.get(f"{stack.console_url}/workspaces")).text
    for secret in (stack.workspace.bot_token, *stack.secrets.values()):
        assert secret not in text


def test_redactor_masks_known_secrets_token_shapes_and_secret_keys():
    redact = Redactor(["s3cr3t-value"])
    masked = redact({"token": "anything", "args": {"client_secret": "abc", "text": "the s3cr3t-value here"},
                     "list": ["xoxb-1234567890-abcdef", "EAAG" + "x" * 30, "plain"], "n": 3})
    assert masked == {"token": "***", "args": {"client_secret": "***", "text": "the *** here"},
                      "list": ["***", "***", "plain"], "n": 3}


async def _events(response, count: int) -> list[dict]:
    found = []
    async for line in response.aiter_lines():
        if line.startswith("data: "):
            found.append(json.loads(line.removeprefix("data: ")))
            if len(found) == count:
                return found
    return found


async def test_the_change_stream_speaks_when_a_simulator_moves(stack):
    outcome = await stack.connect_number()
    pnid = outcome["numbers"][0]["phone_number_id"]
    async with stack.http.stream("GET", f"{stack.console_url}/changes") as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        reading = asyncio.create_task(_events(response, 2))
        await asyncio.sleep(0.6)
        assert not reading.done()  # nothing moved: no second event
        await stack.http.post(f"{stack.meta_sim_url}/_sim/meta/inbound", json={
            "phone_number_id": pnid, "from": CANDIDATE, "type": "text", "text": "hi"})
        first, second = await asyncio.wait_for(reading, timeout=10)
    assert first != second
