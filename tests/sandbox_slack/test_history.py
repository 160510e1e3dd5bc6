"""conversations.history and conversations.replies: Slack's shapes and paging (cursor, limit, time window)."""

from __future__ import annotations

import base64

import pytest

from sandbox.slack import Realism

from .conftest import NEWER_THAN_SPEC, assert_matches_spec


@pytest.fixture
def realism() -> Realism:
    return Realism(rate_limits=False)  # these tests post many messages at one frozen instant


async def post(api, channel: str, text: str, **extra) -> str:
    body = await api("chat.postMessage", channel=channel, text=text, **extra)
    assert body["ok"], body
    return body["ts"]


def without_newer_keys(body: dict) -> dict:
    pruned = {k: v for k, v in body.items() if k != "response_metadata"}  # newer than the 2021 spec too
    newer = NEWER_THAN_SPEC | {"is_locked"}  # thread parents carry is_locked since 2021
    pruned["messages"] = [{k: v for k, v in m.items() if k not in newer} for m in body["messages"]]
    return pruned


async def history_pages(api, channel: str, **args) -> list[list[str]]:
    pages, cursor = [], None
    while True:
        body = await api("conversations.history", channel=channel, **args, **({"cursor": cursor} if cursor else {}))
        assert body["ok"], body
        pages.append([m["text"] for m in body["messages"]])
        if not body["has_more"]:
            assert "response_metadata" not in body or not body["response_metadata"].get("next_cursor")
            return pages
        cursor = body["response_metadata"]["next_cursor"]


async def test_history_is_newest_first_without_thread_replies(api, ws, clock):
    channel = ws.public_channel_id
    root = await post(api, channel, "one")
    await post(api, channel, "reply", thread_ts=root)
    await post(api, channel, "broadcast", thread_ts=root, reply_broadcast=True)
    await post(api, channel, "two")
    body = await api("conversations.history", channel=channel)
    assert [m["text"] for m in body["messages"]] == ["two", "broadcast", "one"]
    assert body["has_more"] is False and body["pin_count"] == 0 and body["channel_actions_ts"] is None
    assert body["messages"][2]["reply_count"] == 2  # the parent shows its thread
    assert_matches_spec("conversations.history", without_newer_keys(body))


async def test_history_pages_with_a_cursor(api, ws):
    for i in range(7):
        await post(api, ws.public_channel_id, f"m{i}")
    pages = await history_pages(api, ws.public_channel_id, limit=3)
    assert pages == [["m6", "m5", "m4"], ["m3", "m2", "m1"], ["m0"]]
    first = await api("conversations.history", channel=ws.public_channel_id, limit=3)
    assert base64.b64decode(first["response_metadata"]["next_cursor"]).startswith(b"next_ts:")


async def test_history_time_window_and_inclusive(api, ws):
    stamps = [await post(api, ws.public_channel_id, f"m{i}") for i in range(5)]
    window = await api("conversations.history", channel=ws.public_channel_id, oldest=stamps[1], latest=stamps[3])
    assert [m["text"] for m in window["messages"]] == ["m2"]
    inclusive = await api(
        "conversations.history", channel=ws.public_channel_id, oldest=stamps[1], latest=stamps[3], inclusive=True
    )
    assert [m["text"] for m in inclusive["messages"]] == ["m3", "m2", "m1"]
    bad = await api("conversations.history", channel=ws.public_channel_id, latest="tomorrow")
    assert bad["error"] == "invalid_ts_latest"
    bad = await api("conversations.history", channel=ws.public_channel_id, oldest="x")
    assert bad["error"] == "invalid_ts_oldest"
    assert (await api("conversations.history", channel=ws.public_channel_id, cursor="bm9wZQ=="))[
        "error"
    ] == "invalid_cursor"


async def test_history_needs_membership_and_the_scope(api, ws, world, client):
    assert (await api("conversations.history", channel=ws.nobot_channel_id))["error"] == "not_in_channel"
    assert (await api("conversations.history", channel=ws.private_channel_id))["error"] == "channel_not_found"
    missing = await api("conversations.history")
    assert missing["response_metadata"]["messages"] == ["[ERROR] missing required field: channel"]
    plain = world.add_workspace("T0PLAIN", scopes=("chat:write",))
    response = await client.post(
        "/api/conversations.history", data={"token": plain.bot_token, "channel": plain.public_channel_id}
    )
    assert response.json()["error"] == "missing_scope" and response.json()["needed"] == "channels:history"


async def test_apps_outside_the_marketplace_get_15_messages_a_page(api, ws, client):
    for i in range(20):
        await post(api, ws.public_channel_id, f"m{i}")
    assert len((await api("conversations.history", channel=ws.public_channel_id))["messages"]) == 20
    await client.post("/_sim/slack/settings", json={"marketplace_app": False})
    page = await api("conversations.history", channel=ws.public_channel_id, limit=100)
    assert len(page["messages"]) == 15 and page["has_more"] is True


async def test_replies_are_the_parent_then_the_thread_oldest_first(api, ws):
    channel = ws.public_channel_id
    root = await post(api, channel, "root")
    replies = [await post(api, channel, f"r{i}", thread_ts=root) for i in range(3)]
    await post(api, channel, "elsewhere")
    body = await api("conversations.replies", channel=channel, ts=root)
    assert [m["text"] for m in body["messages"]] == ["root", "r0", "r1", "r2"] and body["has_more"] is False
    assert body["messages"][0]["reply_count"] == 3 and body["messages"][1]["parent_user_id"] == ws.bot_user_id
    from_a_reply = await api("conversations.replies", channel=channel, ts=replies[1])
    assert [m["text"] for m in from_a_reply["messages"]] == ["root", "r0", "r1", "r2"]
    after = await api("conversations.replies", channel=channel, ts=root, oldest=replies[0])
    assert [m["text"] for m in after["messages"]] == ["root", "r1", "r2"]


async def test_replies_page_with_a_cursor(api, ws):
    channel = ws.public_channel_id
    root = await post(api, channel, "root")
    for i in range(5):
        await post(api, channel, f"r{i}", thread_ts=root)
    seen, cursor = [], None
    while True:
        body = await api("conversations.replies", channel=channel, ts=root, limit=2,
                         **({"cursor": cursor} if cursor else {}))
        seen.append([m["text"] for m in body["messages"]])
        if not body["has_more"]:
            break
        cursor = body["response_metadata"]["next_cursor"]
    assert seen == [["root", "r0"], ["r1", "r2"], ["r3", "r4"]]


async def test_replies_of_an_unknown_thread(api, ws):
    body = await api("conversations.replies", channel=ws.public_channel_id, ts="1600000000.000100")
    assert body["error"] == "thread_not_found"
