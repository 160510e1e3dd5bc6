"""Read-only views for drawing a workspace: channels with their thread counts, people, one thread."""

from __future__ import annotations

import pytest

from sandbox.slack import Realism


@pytest.fixture
def realism() -> Realism:
    return Realism.off()


async def test_channels_count_threads_and_leave_out_dms(api, client, ws):
    parent = (await api("chat.postMessage", channel=ws.public_channel_id, text="Amina wrote"))
    await api("chat.postMessage", channel=ws.public_channel_id, text="reply", thread_ts=parent["ts"])
    await api("chat.postMessage", channel=ws.public_channel_id, text="second parent")
    await api("conversations.open", users=ws.member_user_id)
    answer = (await client.get("/_sim/slack/channels", params={"team_id": ws.team_id})).json()
    by_id = {c["id"]: c for c in answer["channels"]}
    assert set(by_id) == {ws.public_channel_id, ws.nobot_channel_id, ws.private_channel_id}
    public = by_id[ws.public_channel_id]
    assert (public["name"], public["messages"], public["threads"]) == ("recruiting", 3, 2)
    assert by_id[ws.private_channel_id]["is_private"] is True and by_id[ws.nobot_channel_id]["threads"] == 0
    assert (await client.get("/_sim/slack/channels", params={"team_id": "T0NONE"})).status_code == 404


async def test_replies_give_the_parent_then_only_its_replies(api, client, ws):
    parent = (await api("chat.postMessage", channel=ws.public_channel_id, text="Amina wrote"))
    other = (await api("chat.postMessage", channel=ws.public_channel_id, text="Bo wrote"))
    await api("chat.postMessage", channel=ws.public_channel_id, text="to Amina", thread_ts=parent["ts"])
    await api("chat.postMessage", channel=ws.public_channel_id, text="to Bo", thread_ts=other["ts"])
    thread = (await client.get("/_sim/slack/replies",
                               params={"channel": ws.public_channel_id, "ts": parent["ts"]})).json()
    assert [m["text"] for m in thread["messages"]] == ["Amina wrote", "to Amina"]
    missing = await client.get("/_sim/slack/replies", params={"channel": ws.public_channel_id, "ts": "1.000001"})
    assert missing.status_code == 404
    assert (await client.get("/_sim/slack/replies", params={"channel": "C0NONE", "ts": "1"})).status_code == 404


async def test_users_list_people_and_the_bot(client, ws):
    answer = (await client.get("/_sim/slack/users", params={"team_id": ws.team_id})).json()
    names = {u["id"]: (u["real_name"], u["is_admin"], u["is_bot"]) for u in answer["users"]}
    assert names[ws.admin_user_id] == ("Ada Admin", True, False)
    assert names[ws.member_user_id] == ("Max Member", False, False)
    assert names[ws.bot_user_id][2] is True


async def test_modals_list_a_persons_open_views_root_first(api, client, ws, deliver):
    report = await deliver(kind="command", team_id=ws.team_id, user_id=ws.admin_user_id,
                           channel_id=ws.public_channel_id, command="/template", text="")
    title = {"type": "plain_text", "text": "Send a template"}
    opened = await api("views.open", trigger_id=report["trigger_id"],
                       view={"type": "modal", "title": title, "blocks": []})
    assert opened["ok"], opened
    mine = (await client.get("/_sim/slack/modals", params={"team_id": ws.team_id, "user_id": ws.admin_user_id}))
    assert [v["id"] for v in mine.json()["views"]] == [opened["view"]["id"]]
    assert mine.json()["views"][0]["title"] == title
    other = await client.get("/_sim/slack/modals", params={"team_id": ws.team_id, "user_id": ws.member_user_id})
    assert other.json() == {"views": []}


async def test_ephemeral_messages_say_who_sees_them(api, client, ws):
    sent = await api("chat.postEphemeral", channel=ws.public_channel_id, user=ws.member_user_id, text="only you")
    assert sent["ok"], sent
    found = (await client.get("/_sim/slack/ephemeral", params={"channel": ws.public_channel_id})).json()
    assert [(m["text"], m["shown_to"]) for m in found["messages"]] == [("only you", ws.member_user_id)]
    assert (await client.get("/_sim/slack/messages", params={"channel": ws.public_channel_id})).json() == []
