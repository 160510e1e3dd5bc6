"""What people do to the app's channels: archive one (is_archived), remove the bot (not_in_channel)."""

from __future__ import annotations

import pytest

from sandbox.slack import Realism

SUBSCRIBED = ("channel_archive", "channel_unarchive", "group_archive", "member_left_channel", "channel_left",
              "group_left")


@pytest.fixture
def realism() -> Realism:
    return Realism(bot_events=SUBSCRIBED)


async def test_archiving_a_channel_refuses_posts_and_tells_the_app(api, client, ws, world, relay):
    answer = await client.post("/_sim/slack/channels/archive",
                               json={"channel": ws.public_channel_id, "user_id": ws.owner_user_id})
    assert answer.status_code == 200 and answer.json()["is_archived"] is True
    assert (await api("chat.postMessage", channel=ws.public_channel_id, text="x"))["error"] == "is_archived"
    info = await api("conversations.info", channel=ws.public_channel_id)
    assert info["channel"]["is_archived"] is True
    await world.outbox.settle()
    [event] = [e["event"] for e in relay.events()]
    assert event["type"] == "channel_archive" and event["channel"] == ws.public_channel_id
    assert event["user"] == ws.owner_user_id and answer.json()["event_ids"] == [relay.events()[0]["event_id"]]
    again = await client.post("/_sim/slack/channels/archive", json={"channel": ws.public_channel_id})
    assert again.status_code == 409
    back = await client.post("/_sim/slack/channels/archive", json={"channel": ws.public_channel_id,
                                                                   "archived": False})
    assert back.json()["is_archived"] is False
    assert (await api("chat.postMessage", channel=ws.public_channel_id, text="x"))["ok"] is True
    await world.outbox.settle()
    assert relay.events()[-1]["event"]["type"] == "channel_unarchive"


async def test_a_private_channel_archive_is_group_archive(api, client, ws, world, relay):
    created = await api("conversations.create", name="wa-private", is_private=True)
    await client.post("/_sim/slack/channels/archive", json={"channel": created["channel"]["id"]})
    await world.outbox.settle()
    assert [e["event"]["type"] for e in relay.events()] == ["group_archive"]


async def test_removing_the_bot_refuses_posts_and_tells_the_app(api, client, ws, world, relay):
    answer = await client.post("/_sim/slack/channels/remove",
                               json={"channel": ws.public_channel_id, "user_id": ws.admin_user_id})
    assert answer.status_code == 200 and ws.bot_user_id not in answer.json()["members"]
    assert (await api("chat.postMessage", channel=ws.public_channel_id, text="x"))["error"] == "not_in_channel"
    await world.outbox.settle()
    events = [e["event"] for e in relay.events()]
    assert [e["type"] for e in events] == ["member_left_channel", "channel_left"]
    assert events[0]["user"] == ws.bot_user_id and events[0]["channel_type"] == "C"
    assert events[1]["actor_id"] == ws.admin_user_id and events[1]["channel"] == ws.public_channel_id
    assert (await client.post("/_sim/slack/channels/remove", json={"channel": ws.public_channel_id})).status_code == 409


async def test_removed_from_a_private_channel_it_disappears(api, client, ws, world, relay):
    created = await api("conversations.create", name="wa-private", is_private=True)
    channel = created["channel"]["id"]
    await client.post("/_sim/slack/channels/remove", json={"channel": channel})
    assert (await api("chat.postMessage", channel=channel, text="x"))["error"] == "channel_not_found"
    await world.outbox.settle()
    assert [e["event"]["type"] for e in relay.events()] == ["member_left_channel", "group_left"]
    assert relay.events()[0]["event"]["channel_type"] == "G"


async def test_someone_else_leaving_is_member_left_channel_only(api, client, ws, world, relay):
    await client.post("/_sim/slack/channels/remove", json={"channel": ws.public_channel_id,
                                                           "member": ws.member_user_id})
    await world.outbox.settle()
    assert [(e["event"]["type"], e["event"]["user"]) for e in relay.events()] == [
        ("member_left_channel", ws.member_user_id)
    ]


async def test_unsubscribed_apps_hear_nothing(api, client, ws, world, relay):
    world.change_realism({"bot_events": []})
    await client.post("/_sim/slack/channels/archive", json={"channel": ws.public_channel_id})
    await client.post("/_sim/slack/channels/remove", json={"channel": ws.public_channel_id})
    await world.outbox.settle()
    assert relay.received == []
    assert (await client.post("/_sim/slack/channels/archive", json={"channel": "C0NOPE"})).status_code == 404
