"""/_sim/slack/event: signed Events API, slash command and interactivity requests, as Slack sends them."""

from __future__ import annotations

import json
import time
from urllib.parse import parse_qs

from slack_sdk.signature import SignatureVerifier

from sandbox.slack.signing import signature

from .conftest import SECRET, assert_event_envelope


def test_signature_is_what_slack_sdk_verifies():
    body = b'{"type":"event_callback"}'
    now = int(time.time())
    verifier = SignatureVerifier(SECRET)
    assert verifier.is_valid(body, str(now), signature(SECRET, str(now), body))
    assert not verifier.is_valid(body, str(now), signature("other-secret", str(now), body))
    assert not verifier.is_valid(body + b" ", str(now), signature(SECRET, str(now), body))


async def test_event_is_signed_and_wrapped_in_the_documented_envelope(deliver, relay, ws):
    report = await deliver(
        kind="event", team_id="T0SANDBOX", event={"type": "app_home_opened", "user": ws.member_user_id}
    )
    assert report["status"] == 200 and report["slack_would_retry"] is False
    received = relay.received[-1]
    assert received["valid"] is True and received["headers"]["content-type"] == "application/json"
    envelope = json.loads(received["body"])
    assert_event_envelope(envelope)
    assert envelope["type"] == "event_callback" and envelope["event_id"] == report["event_id"]
    assert envelope["event_id"].startswith("Ev") and envelope["api_app_id"] == ws.app_id
    assert envelope["authorizations"][0]["user_id"] == ws.bot_user_id
    assert envelope["event"]["tab"] == "home" and envelope["event"]["event_ts"]


async def test_event_ids_are_unique_unless_forced(deliver, ws):
    event = {"type": "app_home_opened", "user": ws.member_user_id}
    first = await deliver(kind="event", event=event)
    second = await deliver(kind="event", event=event)
    assert first["event_id"] != second["event_id"]
    duplicate = await deliver(
        kind="event", event=event, event_id=first["event_id"], retry_num=1, retry_reason="http_timeout"
    )
    assert duplicate["event_id"] == first["event_id"]


async def test_retry_headers(deliver, relay, ws):
    await deliver(
        kind="event",
        event={"type": "app_home_opened", "user": ws.member_user_id},
        retry_num=2,
        retry_reason="http_error",
    )
    headers = relay.received[-1]["headers"]
    assert headers["x-slack-retry-num"] == "2" and headers["x-slack-retry-reason"] == "http_error"


async def test_forged_and_stale_signatures_are_rejected_by_slack_sdk(deliver, relay, ws, world):
    event = {"type": "app_home_opened", "user": ws.member_user_id}
    forged = await deliver(kind="event", event=event, signature="v0=bad")
    stale = await deliver(kind="event", event=event, timestamp=int(time.time()) - 600)
    assert forged["status"] == 401 and stale["status"] == 401
    await world.outbox.settle(within=1)  # each failed delivery is retried at once (the same forged request)
    assert [r["valid"] for r in relay.received] == [False, False, False, False]
    assert forged["slack_would_retry"] is True and forged["retry_scheduled"] is True


async def test_relay_status_body_and_headers_are_reported(deliver, relay, ws, client):
    relay.reply = (404, '{"error":"unhandled request"}', {"X-Slack-No-Retry": "1"})
    report = await deliver(kind="event", event={"type": "app_home_opened", "user": ws.member_user_id})
    assert report["status"] == 404 and report["body"] == '{"error":"unhandled request"}'
    assert report["headers"]["x-slack-no-retry"] == "1" and report["slack_would_retry"] is False
    logged = (await client.get("/_sim/slack/deliveries")).json()[-1]
    assert logged["result"]["status"] == 404 and logged["request"]["headers"]["X-Slack-Signature"].startswith(
        "v0="
    )


async def test_message_event_is_stored_and_completed(deliver, relay, ws, world):
    await deliver(
        kind="event",
        event={
            "type": "message",
            "channel": ws.public_channel_id,
            "user": ws.member_user_id,
            "text": "reply",
            "thread_ts": "1699999999.000100",
        },
    )
    event = json.loads(relay.received[-1]["body"])["event"]
    assert event["channel_type"] == "channel" and event["ts"] == event["event_ts"]
    assert world.messages(ws.public_channel_id)[-1]["text"] == "reply"


async def test_message_events_only_come_from_channels_with_the_bot(client, ws, relay):
    response = await client.post(
        "/_sim/slack/event",
        json={
            "kind": "event",
            "event": {
                "type": "message",
                "channel": ws.nobot_channel_id,
                "user": ws.member_user_id,
                "text": "x",
            },
        },
    )
    assert response.status_code == 409 and relay.received == []


async def test_slash_command_body(deliver, relay, ws):
    report = await deliver(
        kind="command",
        team_id="T0SANDBOX",
        user_id=ws.member_user_id,
        channel_id=ws.public_channel_id,
        command="/template",
        text="welcome",
    )
    received = relay.received[-1]
    assert received["valid"] and received["headers"]["content-type"] == "application/x-www-form-urlencoded"
    form = {k: v[0] for k, v in parse_qs(received["body"]).items()}
    assert form["command"] == "/template" and form["text"] == "welcome" and form["team_domain"] == "sandbox"
    assert form["user_id"] == ws.member_user_id and form["channel_name"] == "recruiting"
    assert form["trigger_id"] == report["trigger_id"] and form["response_url"] == report["response_url"]


async def test_response_url_posts_are_recorded(deliver, client, ws, world):
    report = await deliver(kind="command", channel_id=ws.public_channel_id, command="/template")
    ephemeral = await client.post(report["response_url"], json={"text": "Pick a conversation first"})
    assert ephemeral.json() == {"ok": True}
    in_channel = await client.post(
        report["response_url"], json={"text": "sent", "response_type": "in_channel"}
    )
    assert in_channel.json() == {"ok": True}
    assert [r["text"] for r in (await client.get("/_sim/slack/responses")).json()] == [
        "Pick a conversation first",
        "sent",
    ]
    assert world.messages(ws.public_channel_id)[-1]["text"] == "sent"
    bad = await client.post(report["response_url"], json={"blocks": [{"type": "nope"}]})
    assert bad.status_code == 400 and bad.json()["error"] == "invalid_blocks"


async def test_interactivity_payload_is_completed(deliver, relay, api, ws):
    posted = await api(
        "chat.postMessage",
        channel=ws.public_channel_id,
        text="root",
        blocks=[
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "action_id": "send_template",
                        "text": {"type": "plain_text", "text": "Send"},
                    }
                ],
            }
        ],
    )
    report = await deliver(
        kind="interactivity",
        team_id="T0SANDBOX",
        payload={
            "type": "block_actions",
            "user": {"id": ws.owner_user_id},
            "channel": {"id": ws.public_channel_id},
            "message": {"ts": posted["ts"]},
            "actions": [{"action_id": "send_template", "type": "button"}],
        },
    )
    form = parse_qs(relay.received[-1]["body"])
    payload = json.loads(form["payload"][0])
    assert payload["user"]["id"] == ws.owner_user_id and payload["user"]["username"] == "olga"
    assert payload["team"] == {"id": "T0SANDBOX", "domain": "sandbox"} and payload["api_app_id"] == ws.app_id
    assert payload["trigger_id"] == report["trigger_id"] and payload["token"]
    assert payload["message"]["text"] == "root" and payload["response_url"].startswith("http://testserver/")
    assert relay.received[-1]["valid"]


async def test_url_verification(deliver, relay):
    relay.reply = (200, '{"challenge": "abc"}', {})
    report = await deliver(kind="url_verification", challenge="abc")
    sent = json.loads(relay.received[-1]["body"])
    assert sent["type"] == "url_verification" and sent["challenge"] == "abc" and sent["token"]
    assert relay.received[-1]["valid"]
    assert report["body"] == '{"challenge": "abc"}'


async def test_uninstall_revokes_the_token_and_tells_the_relay(client, api, ws, relay):
    response = await client.post("/_sim/slack/uninstall", json={"team_id": "T0SANDBOX"})
    deliveries = response.json()["deliveries"]
    assert [json.loads(r["body"])["event"]["type"] for r in relay.received] == [
        "app_uninstalled",
        "tokens_revoked",
    ]
    assert all(d["status"] == 200 for d in deliveries)
    assert (await api("auth.test"))["error"] == "account_inactive"
    after = await client.post(
        "/_sim/slack/event",
        json={"kind": "event", "event": {"type": "app_home_opened", "user": ws.member_user_id}},
    )
    assert after.status_code == 409


async def test_bad_control_requests(client):
    assert (await client.post("/_sim/slack/event", json={"kind": "telepathy"})).status_code == 400
    assert (
        await client.post(
            "/_sim/slack/event", json={"kind": "event", "team_id": "T0NOPE", "event": {"type": "x"}}
        )
    ).status_code == 400
