"""conversations.*, reactions.*, users.info."""

from __future__ import annotations

import pytest

from .conftest import assert_matches_spec

# ---- reactions -----------------------------------------------------------------------------------


async def test_reaction_on_a_human_message_then_twice_then_removed(api, ws, world, deliver):
    await deliver(
        kind="event",
        event={
            "type": "message",
            "channel": ws.public_channel_id,
            "user": ws.member_user_id,
            "text": "hi",
            "ts": "1700000005.000100",
        },
    )
    target = {"channel": ws.public_channel_id, "timestamp": "1700000005.000100", "name": "white_check_mark"}
    assert (await api("reactions.add", **target))["ok"] is True
    stored = world.messages(ws.public_channel_id)[0]
    assert stored["reactions"] == [{"name": "white_check_mark", "users": [ws.bot_user_id], "count": 1}]
    assert (await api("reactions.add", **target))["error"] == "already_reacted"
    assert (await api("reactions.remove", **target))["ok"] is True
    assert "reactions" not in world.messages(ws.public_channel_id)[0]
    assert (await api("reactions.remove", **target))["error"] == "no_reaction"


async def test_reaction_errors(api, ws):
    posted = await api("chat.postMessage", channel=ws.public_channel_id, text="x")
    base = {"channel": ws.public_channel_id, "timestamp": posted["ts"]}
    assert (await api("reactions.add", **base, name=":eyes:"))["error"] == "invalid_name"
    assert (await api("reactions.add", **{**base, "timestamp": "1.000001"}, name="eyes"))[
        "error"
    ] == "message_not_found"
    assert (await api("reactions.add", channel=ws.nobot_channel_id, timestamp="1.1", name="eyes"))[
        "error"
    ] == "not_in_channel"
    missing = await api("reactions.add", channel=ws.public_channel_id, name="eyes")
    assert missing["error"] == "invalid_arguments"
    assert missing["response_metadata"]["messages"] == ["[ERROR] missing required field: timestamp"]


# ---- conversations -------------------------------------------------------------------------------


async def test_create_private_channel_with_the_bot_as_member(api, ws):
    body = await api("conversations.create", name="wa-candidates_2", is_private=True)
    channel = body["channel"]
    assert (
        channel["is_private"] is True
        and channel["is_member"] is True
        and channel["name"] == "wa-candidates_2"
    )
    members = await api("conversations.members", channel=channel["id"])
    assert members["members"] == [ws.bot_user_id]
    assert (await api("chat.postMessage", channel=channel["id"], text="x"))["ok"] is True


@pytest.mark.parametrize(
    ("name", "error"),
    [
        ("recruiting", "name_taken"),
        ("hiring-private", "name_taken"),
        ("Has Caps", "invalid_name_specials"),
        ("wa.bridge", "invalid_name_specials"),
        ("x" * 81, "invalid_name_maxlength"),
        ("---", "invalid_name_punctuation"),
    ],
)
async def test_create_name_rules(api, ws, name, error):
    assert (await api("conversations.create", name=name))["error"] == error


async def test_create_without_name(api, ws):
    body = await api("conversations.create")
    assert body["error"] == "invalid_arguments"


async def test_info_is_in_the_spec_shape_and_hides_private_channels(api, ws):
    created = await api("conversations.create", name="info-shape")
    body = await api("conversations.info", channel=created["channel"]["id"], include_num_members=True)
    assert body["channel"]["num_members"] == 1
    assert_matches_spec("conversations.info", body)
    assert (await api("conversations.info", channel=ws.private_channel_id))["error"] == "channel_not_found"
    nobot = await api("conversations.info", channel=ws.nobot_channel_id)
    assert nobot["channel"]["is_member"] is False


async def test_join_public_but_not_private(api, ws):
    joined = await api("conversations.join", channel=ws.nobot_channel_id)
    assert joined["channel"]["is_member"] is True
    assert (await api("chat.postMessage", channel=ws.nobot_channel_id, text="now I can"))["ok"] is True
    again = await api("conversations.join", channel=ws.nobot_channel_id)
    assert again["warning"] == "already_in_channel"
    private = await api("conversations.join", channel=ws.private_channel_id)
    assert private["error"] == "method_not_supported_for_channel_type"
    assert (await api("conversations.join", channel="C0NOPE12345"))["error"] == "channel_not_found"


async def test_members_paginate_with_cursors(api, ws):
    first = await api("conversations.members", channel=ws.public_channel_id, limit=2)
    assert len(first["members"]) == 2 and first["response_metadata"]["next_cursor"]
    second = await api(
        "conversations.members",
        channel=ws.public_channel_id,
        limit=2,
        cursor=first["response_metadata"]["next_cursor"],
    )
    assert len(second["members"]) == 2 and second["response_metadata"]["next_cursor"] == ""
    assert set(first["members"] + second["members"]) == {
        ws.admin_user_id,
        ws.owner_user_id,
        ws.member_user_id,
        ws.bot_user_id,
    }
    assert (await api("conversations.members", channel=ws.public_channel_id, cursor="bad"))[
        "error"
    ] == "invalid_cursor"
    assert (await api("conversations.members", channel=ws.public_channel_id, limit=0))[
        "error"
    ] == "invalid_limit"


async def test_invite(api, ws):
    created = await api("conversations.create", name="invites", is_private=True)
    channel = created["channel"]["id"]
    ok = await api("conversations.invite", channel=channel, users=f"{ws.admin_user_id},{ws.member_user_id}")
    assert ok["ok"] is True
    members = (await api("conversations.members", channel=channel))["members"]
    assert set(members) == {ws.bot_user_id, ws.admin_user_id, ws.member_user_id}
    assert (await api("conversations.invite", channel=channel, users=ws.admin_user_id))[
        "error"
    ] == "already_in_channel"
    assert (await api("conversations.invite", channel=channel, users=ws.bot_user_id))[
        "error"
    ] == "cant_invite_self"
    unknown = await api("conversations.invite", channel=channel, users="U0NOBODY")
    assert unknown["error"] == "user_not_found" and unknown["errors"][0]["user"] == "U0NOBODY"
    assert (await api("conversations.invite", channel=ws.nobot_channel_id, users=ws.admin_user_id))[
        "error"
    ] == "not_in_channel"


# ---- users ---------------------------------------------------------------------------------------


async def test_users_info_flags(api, ws):
    admin = (await api("users.info", user=ws.admin_user_id))["user"]
    owner = (await api("users.info", user=ws.owner_user_id))["user"]
    member = (await api("users.info", user=ws.member_user_id))["user"]
    assert (admin["is_admin"], admin["is_owner"]) == (True, False)
    assert (owner["is_admin"], owner["is_owner"], owner["is_primary_owner"]) == (True, True, True)
    assert (member["is_admin"], member["is_owner"]) == (False, False)
    assert member["real_name"] == "Max Member" and member["profile"]["real_name"] == "Max Member"
    bot = (await api("users.info", user=ws.bot_user_id))["user"]
    assert bot["is_bot"] is True and bot["profile"]["bot_id"] == ws.bot_id


async def test_users_info_unknown(api):
    assert (await api("users.info", user="U0NOBODY"))["error"] == "user_not_found"
