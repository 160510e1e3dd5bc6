"""The channel a newly connected number gets: private by default, named after the business, unique, with the
connector invited; driven through the Slack simulator."""

from __future__ import annotations

import pytest

from bot.channels import MAX_NAME, channel_name, create_number_channel, invite_people


@pytest.mark.parametrize(
    ("verified_name", "number", "attempt", "expected"),
    [
        ("Client Company 1", "+1 555-010-0001", 1, "wa-client-company-1"),
        ("Client Company 1", "+1 555-010-0001", 3, "wa-client-company-1-3"),
        ("Crème & Brûlée Recrutement S.A.", None, 1, "wa-creme-brulee-recrutement-s-a"),
        ("  --Acme__Jobs--  ", None, 1, "wa-acme__jobs"),
        ("株式会社", "+81 3-1234-5678", 1, "wa-12345678"),  # nothing Slack allows: the number's digits
        (None, "+1 555-010-0001", 1, "wa-50100001"),
        (None, None, 2, "wa-whatsapp-2"),
    ],
)
def test_names_follow_slacks_rules(verified_name, number, attempt, expected):
    assert channel_name(verified_name, number, attempt) == expected


def test_long_names_keep_their_suffix_within_80_characters():
    long_name = "Very Long Recruiting Agency Name " * 5
    first, tenth = channel_name(long_name, None, 1), channel_name(long_name, None, 10)
    assert len(first) <= MAX_NAME and len(tenth) <= MAX_NAME
    assert tenth.endswith("-10") and tenth.removesuffix("-10") == first[: len(tenth) - 3].rstrip("-_")


async def client_for(stack):
    client = await stack.relay.clients.for_team(stack.workspace.team_id)
    assert client is not None
    return client


async def test_a_private_channel_named_after_the_business_with_the_connector_invited(stack):
    client = await client_for(stack)
    ws = stack.workspace
    channel_id = await create_number_channel(
        client, verified_name="Acme Recruiting", display_phone_number="+1 555-010-0001",
        invite_user_id=ws.member_user_id,
    )
    channel = stack.slack.find_channel(channel_id)
    assert (channel.name, channel.is_private) == ("wa-acme-recruiting", True)
    assert set(channel.members) == {ws.bot_user_id, ws.member_user_id}
    [create] = stack.slack.calls("conversations.create")
    assert create["args"]["is_private"] in (True, "true", "1")


async def test_a_taken_name_gets_the_next_free_suffix(stack):
    client = await client_for(stack)
    first = await create_number_channel(client, verified_name="Acme", display_phone_number=None,
                                        invite_user_id=None)
    second = await create_number_channel(client, verified_name="Acme", display_phone_number=None,
                                         invite_user_id=None)
    third = await create_number_channel(client, verified_name="Acme", display_phone_number=None,
                                        invite_user_id=None, private=False)
    names = [stack.slack.find_channel(c).name for c in (first, second, third)]
    assert names == ["wa-acme", "wa-acme-2", "wa-acme-3"]
    assert not stack.slack.find_channel(third).is_private


async def test_the_visibility_setting_makes_new_numbers_channels_public(stack):
    stack.services.settings = stack.settings.model_copy(update={"SLACK_CHANNEL_VISIBILITY": "public"})
    outcome = await stack.connect_number(user_id="U0ADMIN")
    assert outcome["status"] == "connected", outcome
    channel = stack.slack.find_channel(outcome["numbers"][0]["channel_id"])
    assert not channel.is_private and channel.name.startswith("wa-client-company-")
    assert "U0ADMIN" in channel.members


async def test_invitations_report_each_person(stack):
    client = await client_for(stack)
    ws = stack.workspace
    channel_id = await create_number_channel(client, verified_name="Acme", display_phone_number=None,
                                             invite_user_id=ws.admin_user_id)
    outcome = await invite_people(client, channel_id, [ws.admin_user_id, ws.member_user_id, "U0NOBODY",
                                                       ws.member_user_id])
    assert outcome.invited == (ws.member_user_id,)
    assert outcome.already_in == (ws.admin_user_id,)
    assert outcome.failed == (("U0NOBODY", "user_not_found"),)
    assert outcome.channel_error is None
    assert ws.member_user_id in stack.slack.find_channel(channel_id).members

    stack.slack.find_channel(channel_id).members.remove(ws.bot_user_id)  # someone removed the bot
    refused = await invite_people(client, channel_id, [ws.owner_user_id, ws.member_user_id])
    assert refused.channel_error is not None and refused.invited == ()
