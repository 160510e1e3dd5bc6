"""chat.postMessage / update / postEphemeral / getPermalink, and Block Kit strictness on messages."""

from __future__ import annotations

import pytest

from .conftest import assert_matches_spec


def section(text: str) -> dict:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def button(action_id: str, text: str = "Go") -> dict:
    return {"type": "button", "action_id": action_id, "text": {"type": "plain_text", "text": text}}


async def test_post_message_returns_unique_increasing_ts_and_stores_the_message(api, ws, world):
    first = await api(
        "chat.postMessage", channel=ws.public_channel_id, text="hello", blocks=[section("*hi*")]
    )
    second = await api("chat.postMessage", channel=ws.public_channel_id, text="again")
    assert first["channel"] == ws.public_channel_id
    assert first["ts"] < second["ts"] and len(first["ts"]) == len("1700000000.000100")
    assert first["message"]["bot_id"] == ws.bot_id and first["message"]["blocks"] == [section("*hi*")]
    assert [m["text"] for m in world.messages(ws.public_channel_id)] == ["hello", "again"]


async def test_post_message_matches_the_spec_success_schema(api, ws):
    created = await api("conversations.create", name="spec-check")
    body = await api("chat.postMessage", channel=created["channel"]["id"], text="x", blocks=[section("y")])
    assert_matches_spec("chat.postMessage", body)


async def test_form_encoded_blocks_are_json_strings(api, ws):
    body = await api(
        "chat.postMessage", as_json=False, channel=ws.public_channel_id, text="x", blocks=[section("form")]
    )
    assert body["message"]["blocks"][0]["text"]["text"] == "form"
    broken = await api("chat.postMessage", as_json=False, channel=ws.public_channel_id, blocks="[{nope")
    assert broken["error"] == "invalid_blocks_format"


async def test_thread_reply_updates_the_parent(api, ws, world):
    root = await api("chat.postMessage", channel=ws.public_channel_id, text="root")
    reply = await api("chat.postMessage", channel=ws.public_channel_id, text="reply", thread_ts=root["ts"])
    assert reply["message"]["thread_ts"] == root["ts"]
    parent = world.messages(ws.public_channel_id)[0]
    assert parent["reply_count"] == 1 and parent["latest_reply"] == reply["ts"]


async def test_reply_to_an_unknown_thread_is_accepted_but_noted(api, ws, world):
    body = await api(
        "chat.postMessage", channel=ws.public_channel_id, text="x", thread_ts="1600000000.000100"
    )
    assert body["ok"] is True
    assert "matches no message" in world.calls("chat.postMessage")[-1]["notes"][0]


async def test_posting_where_the_bot_is_not_a_member(api, ws):
    assert (await api("chat.postMessage", channel=ws.nobot_channel_id, text="x"))["error"] == "not_in_channel"


async def test_private_channels_are_invisible_to_non_members(api, ws):
    # Slack hides private channels the bot is not in: channel_not_found, not not_in_channel
    assert (await api("chat.postMessage", channel=ws.private_channel_id, text="x"))[
        "error"
    ] == "channel_not_found"


async def test_unknown_channel(api):
    assert (await api("chat.postMessage", channel="C0DOESNOTEXIST", text="x"))["error"] == "channel_not_found"


async def test_a_message_needs_text_or_blocks(api, ws):
    assert (await api("chat.postMessage", channel=ws.public_channel_id))["error"] == "no_text"


async def test_posting_to_a_user_id_opens_a_dm(api, ws):
    body = await api("chat.postMessage", channel=ws.admin_user_id, text="psst")
    assert body["channel"].startswith("D")


async def test_custom_username_needs_chat_write_customize(api, client, world, ws):
    body = await api("chat.postMessage", channel=ws.public_channel_id, text="x", username="Candidate")
    assert body["message"]["username"] == "Candidate"
    plain = world.add_workspace("T0PLAIN", scopes=("chat:write",))
    response = await client.post(
        "/api/chat.postMessage",
        data={
            "token": plain.bot_token,
            "channel": plain.public_channel_id,
            "text": "x",
            "username": "Candidate",
        },
    )
    assert "username" not in response.json()["message"]


@pytest.mark.parametrize(
    ("blocks", "problem"),
    [
        ([section(str(i)) for i in range(51)], "no more than 50 items"),
        ([section("x" * 3001)], "must be less than 3001 characters [json-pointer:/blocks/0/text/text]"),
        ([{"type": "actions", "elements": [button("a", "x" * 76)]}], "must be less than 76 characters"),
        ([{"type": "actions", "elements": [button("same"), button("same")]}], "action_id must be unique"),
        ([{"type": "sections", "text": {"type": "mrkdwn", "text": "x"}}], "unsupported type"),
        ([{"type": "section"}], "must provide either text or fields"),
        ([{"type": "header", "text": {"type": "mrkdwn", "text": "x"}}], "must be one of plain_text"),
        (
            [{"type": "section", "text": {"type": "mrkdwn", "text": "x"}, "acessory": {}}],
            "unsupported property",
        ),
        ([{"type": "image", "image_url": "https://x.invalid/a.png"}], "missing required field"),
        (
            [{"type": "divider", "block_id": "b"}, {"type": "divider", "block_id": "b"}],
            "block_id must be unique",
        ),
    ],
)
async def test_invalid_blocks_are_rejected_with_slacks_messages(api, ws, blocks, problem):
    body = await api("chat.postMessage", channel=ws.public_channel_id, text="x", blocks=blocks)
    assert body["error"] == "invalid_blocks"
    assert any(problem in message for message in body["response_metadata"]["messages"]), body


async def test_update_own_message(api, ws, world):
    posted = await api("chat.postMessage", channel=ws.public_channel_id, text="before", blocks=[section("a")])
    updated = await api("chat.update", channel=ws.public_channel_id, ts=posted["ts"], text="after")
    assert updated["ts"] == posted["ts"] and updated["text"] == "after"
    stored = world.messages(ws.public_channel_id)[0]
    assert stored["text"] == "after" and stored["blocks"] == [section("a")] and "edited" in stored


async def test_update_someone_elses_message_is_refused(api, ws, deliver):
    await deliver(
        kind="event",
        event={
            "type": "message",
            "channel": ws.public_channel_id,
            "user": ws.member_user_id,
            "text": "human",
            "ts": "1700000001.000100",
        },
    )
    body = await api("chat.update", channel=ws.public_channel_id, ts="1700000001.000100", text="edit")
    assert body["error"] == "cant_update_message"


async def test_update_unknown_message(api, ws):
    body = await api("chat.update", channel=ws.public_channel_id, ts="1600000000.000001", text="x")
    assert body["error"] == "message_not_found"


async def test_update_with_invalid_blocks(api, ws):
    posted = await api("chat.postMessage", channel=ws.public_channel_id, text="x")
    body = await api("chat.update", channel=ws.public_channel_id, ts=posted["ts"], blocks=[{"type": "nope"}])
    assert body["error"] == "invalid_blocks"


async def test_post_ephemeral(api, ws, world):
    body = await api(
        "chat.postEphemeral", channel=ws.public_channel_id, user=ws.member_user_id, text="only you"
    )
    assert body["message_ts"]
    assert world.ephemeral_messages(ws.public_channel_id)[0]["shown_to"] == ws.member_user_id
    assert world.messages(ws.public_channel_id) == []
    outsider = await api(
        "chat.postEphemeral", channel=ws.public_channel_id, user=ws.bot_user_id + "X", text="x"
    )
    assert outsider["error"] == "user_not_found"


async def test_post_ephemeral_to_a_user_outside_the_channel(api, ws, world):
    world.find_channel(ws.public_channel_id).members.remove(ws.member_user_id)
    body = await api("chat.postEphemeral", channel=ws.public_channel_id, user=ws.member_user_id, text="x")
    assert body["error"] == "user_not_in_channel"


async def test_permalink(api, ws):
    root = await api("chat.postMessage", channel=ws.public_channel_id, text="root")
    reply = await api("chat.postMessage", channel=ws.public_channel_id, text="r", thread_ts=root["ts"])
    link = await api("chat.getPermalink", channel=ws.public_channel_id, message_ts=root["ts"])
    assert link["permalink"] == f"https://sandbox.slack.com/archives/C0PUBLIC/p{root['ts'].replace('.', '')}"
    threaded = await api("chat.getPermalink", channel=ws.public_channel_id, message_ts=reply["ts"])
    assert f"thread_ts={root['ts']}" in threaded["permalink"]
    missing = await api("chat.getPermalink", channel=ws.public_channel_id, message_ts="1.000001")
    assert missing["error"] == "message_not_found"


async def test_metadata_is_validated(api, ws):
    good = await api(
        "chat.postMessage",
        channel=ws.public_channel_id,
        text="x",
        metadata={"event_type": "wa_message", "event_payload": {"wa_id": "1"}},
    )
    assert good["message"]["metadata"]["event_type"] == "wa_message"
    bad = await api("chat.postMessage", channel=ws.public_channel_id, text="x", metadata={"event_type": 1})
    assert bad["error"] == "invalid_metadata_format"
