"""How much a message may hold (msg_too_long, msg_blocks_too_long, truncation) and what a thread_ts looks like."""

from __future__ import annotations

import pytest


def markdown(length: int) -> dict:
    return {"type": "markdown", "text": "x" * length}


def section(length: int) -> dict:
    return {"type": "section", "text": {"type": "mrkdwn", "text": "y" * length}}


@pytest.mark.parametrize("method", ["chat.postMessage", "chat.postEphemeral", "chat.update"])
async def test_text_over_4000_characters_is_msg_too_long(api, ws, method):
    posted = await api("chat.postMessage", channel=ws.public_channel_id, text="short")
    target = {"channel": ws.public_channel_id}
    if method == "chat.update":
        target["ts"] = posted["ts"]
    if method == "chat.postEphemeral":
        target["user"] = ws.member_user_id
    assert (await api(method, **target, text="é" * 4000))["ok"] is True  # characters, not bytes
    assert (await api(method, **target, text="é" * 4001))["error"] == "msg_too_long"


async def test_a_refused_message_is_not_stored(api, ws, world):
    await api("chat.postMessage", channel=ws.public_channel_id, text="x" * 5000)
    assert world.messages(ws.public_channel_id) == []


async def test_the_text_limit_is_configurable(api, client, ws):
    await client.post("/_sim/slack/settings", json={"max_text_chars": 100})
    assert (await api("chat.postMessage", channel=ws.public_channel_id, text="x" * 101))["error"] == "msg_too_long"
    await client.post("/_sim/slack/settings", json={"max_text_chars": 50_000})
    assert (await api("chat.postMessage", channel=ws.public_channel_id, text="x" * 45_000))["ok"] is True


async def test_without_a_limit_slack_truncates_at_40000_and_warns(api, client, ws, world):
    await client.post("/_sim/slack/settings", json={"max_text_chars": None})
    body = await api("chat.postMessage", channel=ws.public_channel_id, text="x" * 40_001)
    assert body["ok"] is True and len(body["message"]["text"]) == 40_000
    assert body["response_metadata"]["warnings"] == ["message_truncated"]
    assert body["response_metadata"]["messages"][0].startswith("[WARN] Your message was truncated")
    assert len(world.messages(ws.public_channel_id)[-1]["text"]) == 40_000


async def test_blocks_holding_too_much_text_are_msg_blocks_too_long(api, ws):
    # each block within its own limit (markdown 12,000), together over the ~13,000 Slack accepts
    fits = await api("chat.postMessage", channel=ws.public_channel_id, text="x", blocks=[markdown(12_000)])
    assert fits["ok"] is True
    too_much = [markdown(7001), section(3000), section(3000)]
    body = await api("chat.postMessage", channel=ws.public_channel_id, text="x", blocks=too_much)
    assert body["error"] == "msg_blocks_too_long"
    updated = await api("chat.update", channel=ws.public_channel_id, ts=fits["ts"], blocks=too_much)
    assert updated["error"] == "msg_blocks_too_long"


async def test_each_block_keeps_its_own_limits_as_invalid_blocks(api, ws):
    for blocks in ([section(3001)], [section(1)] * 51, [{"type": "header", "text": {"type": "plain_text",
                                                                                   "text": "h" * 151}}]):
        body = await api("chat.postMessage", channel=ws.public_channel_id, text="x", blocks=blocks)
        assert body["error"] == "invalid_blocks", blocks[0]


@pytest.mark.parametrize("thread_ts", ["yesterday", "1700000000", "1700000000.1", "1700000000.000100 ", "1.2.3"])
async def test_malformed_thread_ts_is_invalid_thread_ts(api, ws, thread_ts):
    body = await api("chat.postMessage", channel=ws.public_channel_id, text="x", thread_ts=thread_ts)
    assert body["error"] == "invalid_thread_ts"


async def test_a_well_formed_unknown_thread_ts_is_accepted(api, ws):
    body = await api("chat.postMessage", channel=ws.public_channel_id, text="x", thread_ts="1600000000.000100")
    assert body["ok"] is True  # Slack takes it; the reply belongs to no visible thread
