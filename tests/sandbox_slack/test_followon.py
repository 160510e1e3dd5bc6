"""Events Slack sends because the app did something: its own posts, edits and uploads (when subscribed)."""

from __future__ import annotations

import json

import pytest

from sandbox.slack import Realism

from .conftest import assert_event_envelope

SUBSCRIBED = ("message.channels", "message.groups", "file_shared", "app_home_opened")


@pytest.fixture
def realism() -> Realism:
    return Realism(bot_events=SUBSCRIBED, time_scale=0.01)


async def upload(api, client, content: bytes, name: str, **complete) -> dict:
    step1 = await api("files.getUploadURLExternal", filename=name, length=len(content))
    await client.post(step1["upload_url"], content=content)
    return await api("files.completeUploadExternal", files=[{"id": step1["file_id"]}], **complete)


async def test_our_own_post_comes_back_as_a_message_event_with_our_bot_id(api, ws, world, relay):
    posted = await api("chat.postMessage", channel=ws.public_channel_id, text="hello", username="Candidate")
    await world.outbox.settle()
    [envelope] = relay.events("message")
    assert_event_envelope(envelope)
    event = envelope["event"]
    assert event["ts"] == posted["ts"] == event["event_ts"] and event["channel"] == ws.public_channel_id
    assert event["bot_id"] == ws.bot_id and event["user"] == ws.bot_user_id and "subtype" not in event
    assert event["channel_type"] == "channel" and event["username"] == "Candidate"
    assert relay.received[-1]["valid"]


async def test_thread_replies_carry_thread_ts_and_private_channels_come_as_message_groups(api, ws, world, relay):
    created = await api("conversations.create", name="wa-private", is_private=True)
    root = await api("chat.postMessage", channel=created["channel"]["id"], text="root")
    await api("chat.postMessage", channel=created["channel"]["id"], text="reply", thread_ts=root["ts"])
    await world.outbox.settle()
    events = [e["event"] for e in relay.events("message")]
    assert [e["text"] for e in events] == ["root", "reply"]  # in the order they were posted
    assert events[1]["thread_ts"] == root["ts"] and events[1]["channel_type"] == "group"


async def test_no_subscription_no_event(api, ws, world, relay):
    world.change_realism({"bot_events": ["app_home_opened"]})
    await api("chat.postMessage", channel=ws.public_channel_id, text="quiet")
    await world.outbox.settle()
    assert relay.received == []


async def test_no_history_scope_no_message_event(api, client, world, relay):
    plain = world.add_workspace("T0PLAIN", scopes=("chat:write",))
    await client.post(
        "/api/chat.postMessage", data={"token": plain.bot_token, "channel": plain.public_channel_id, "text": "x"}
    )
    await world.outbox.settle()
    assert relay.received == []  # message.channels needs channels:history


async def test_chat_update_sends_message_changed_with_the_previous_message(api, ws, world, relay):
    posted = await api("chat.postMessage", channel=ws.public_channel_id, text="before")
    await api("chat.update", channel=ws.public_channel_id, ts=posted["ts"], text="after")
    await world.outbox.settle()
    [changed] = [e["event"] for e in relay.events("message") if e["event"].get("subtype")]
    assert changed["subtype"] == "message_changed" and changed["hidden"] is True
    assert changed["message"]["ts"] == posted["ts"] and changed["message"]["text"] == "after"
    assert changed["message"]["edited"]["user"] == ws.bot_user_id
    assert changed["previous_message"]["text"] == "before" and "edited" not in changed["previous_message"]
    assert changed["ts"] != posted["ts"] and changed["ts"] == changed["event_ts"]
    assert "bot_id" not in changed  # Bolt's self-event filter cannot see it: the app must skip it itself


async def test_an_upload_sends_file_share_and_file_shared_after_the_answer(api, client, ws, world, relay):
    root = await api("chat.postMessage", channel=ws.public_channel_id, text="conversation")
    done = await upload(api, client, b"%PDF-1.7", "cv.pdf", channel_id=ws.public_channel_id,
                        thread_ts=root["ts"], initial_comment="CV")
    assert "shares" not in done["files"][0]
    await world.outbox.settle()
    [share] = [e["event"] for e in relay.events("message") if e["event"].get("subtype") == "file_share"]
    assert share["files"][0]["id"] == done["files"][0]["id"] and share["thread_ts"] == root["ts"]
    assert share["text"] == "CV" and share["upload"] is True and share["user"] == ws.bot_user_id
    assert share["files"][0]["shares"]["public"][ws.public_channel_id][0]["ts"] == share["ts"]
    [shared] = [e["event"] for e in relay.events("file_shared")]
    assert shared["file_id"] == done["files"][0]["id"] and shared["channel_id"] == ws.public_channel_id
    assert shared["user_id"] == ws.bot_user_id and shared["file"] == {"id": shared["file_id"]}
    order = [json.loads(r["body"])["event"].get("subtype") or json.loads(r["body"])["event"]["type"]
             for r in relay.received]
    assert order == ["message", "file_share", "file_shared"]


async def test_an_in_channel_response_url_post_is_a_message_event_too(deliver, client, ws, world, relay):
    report = await deliver(kind="command", command="/template", channel_id=ws.public_channel_id)
    await client.post(report["response_url"], json={"text": "sent", "response_type": "in_channel"})
    await client.post(report["response_url"], json={"text": "only you"})
    await world.outbox.settle()
    assert [(e["event"]["text"], e["event"]["bot_id"]) for e in relay.events("message")] == [("sent", ws.bot_id)]
