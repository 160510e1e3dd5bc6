"""Managing a number from the Home tab: its channel, disconnect (confirmed), reconnect, and who may."""

from __future__ import annotations

import json

from bot import wording
from sandbox.meta.onboarding import finish_session, issue_business_token, issue_code
from sandbox.stack import SANDBOX_APP_ID
from storage.models import AccountStatus
from storage.repositories import AccountRepository, AuditRepository

from .conftest import controls, eventually, link_token, view_text


async def connected(stack, slack, user_id: str = "U0ADMIN") -> dict:
    """Connect one number for ``user_id`` and open their Home tab; returns the number and its account."""
    outcome = await stack.connect_number(user_id=user_id)
    assert outcome["status"] == "connected", outcome
    number = outcome["numbers"][0]
    async with stack.services.database.session() as session:
        accounts = AccountRepository(session, stack.services.cipher)
        stored = await accounts.number_by_phone_number_id(number["phone_number_id"])
        account = await accounts.get(stored.account_id)
    await slack.open_home(user_id)
    return {
        "number": number,
        "phone_number_id": number["phone_number_id"],
        "account_id": account.id,
        "waba_id": account.waba_id,
        "channel_id": stored.slack_channel_id,
        "signup": outcome["signup"],
    }


async def number_channel(stack, phone_number_id: str) -> str | None:
    async with stack.services.database.session() as session:
        stored = await AccountRepository(session, stack.services.cipher).number_by_phone_number_id(
            phone_number_id
        )
    return stored.slack_channel_id


async def account_status(stack, account_id: int) -> str:
    async with stack.services.database.session() as session:
        return (await AccountRepository(session, stack.services.cipher).get(account_id)).status


async def audit(stack, team_id: str) -> list:
    async with stack.services.database.session() as session:
        return await AuditRepository(session).list(team_id)


def joins(stack, channel_id: str) -> list:
    return [c for c in stack.slack.calls("conversations.join") if c["args"].get("channel") == channel_id]


async def test_choosing_a_public_channel_makes_the_bot_join_it(stack, slack):
    setup = await connected(stack, slack)
    assert slack.ws.bot_user_id not in stack.slack.find_channel("C0NOBOT").members
    before = len(slack.publishes("U0ADMIN"))

    await slack.choose_channel("U0ADMIN", setup["phone_number_id"], "C0NOBOT")

    await eventually(lambda: _is(number_channel(stack, setup["phone_number_id"]), "C0NOBOT"), what="the move")
    assert len(joins(stack, "C0NOBOT")) == 1
    assert slack.ws.bot_user_id in stack.slack.find_channel("C0NOBOT").members
    view = await slack.next_home("U0ADMIN", before)
    assert "Conversations go to <#C0NOBOT>" in view_text(view)
    assert controls(view)[f"move_number:{setup['phone_number_id']}"]["initial_conversation"] == "C0NOBOT"
    changes = [e for e in await audit(stack, slack.team_id) if e.action == "whatsapp.channel_changed"]
    assert len(changes) == 1 and changes[0].actor == "U0ADMIN"
    assert json.loads(changes[0].detail) == {"from": setup["channel_id"], "to": "C0NOBOT"}


async def test_a_private_channel_needs_an_invitation_first(stack, slack):
    setup = await connected(stack, slack)
    before = len(slack.publishes("U0ADMIN"))

    await slack.choose_channel("U0ADMIN", setup["phone_number_id"], "G0PRIVATE")

    view = await slack.next_home("U0ADMIN", before)
    assert wording.notice_invite_needed("G0PRIVATE") in view_text(view)
    assert await number_channel(stack, setup["phone_number_id"]) == setup["channel_id"]  # nothing changed
    assert (
        controls(view)[f"move_number:{setup['phone_number_id']}"]["initial_conversation"]
        == setup["channel_id"]
    )
    assert not joins(stack, "G0PRIVATE")
    assert not [e for e in await audit(stack, slack.team_id) if e.action == "whatsapp.channel_changed"]

    stack.slack.find_channel("G0PRIVATE").members.append(slack.ws.bot_user_id)  # someone typed /invite
    before = len(slack.publishes("U0ADMIN"))
    await slack.choose_channel("U0ADMIN", setup["phone_number_id"], "G0PRIVATE")
    view = await slack.next_home("U0ADMIN", before)
    assert await number_channel(stack, setup["phone_number_id"]) == "G0PRIVATE"
    assert "Conversations go to <#G0PRIVATE>" in view_text(view)
    assert wording.notice_invite_needed("G0PRIVATE") not in view_text(view)


async def test_disconnect_asks_for_confirmation_then_disconnects(stack, slack):
    setup = await connected(stack, slack)
    waba = stack.meta.wabas[setup["waba_id"]]
    assert SANDBOX_APP_ID in waba.subscriptions
    button = controls(slack.home("U0ADMIN"))[f"disconnect_account:{setup['account_id']}"]
    # Slack's client shows this dialog and sends the action only once the person confirms
    assert (
        button["confirm"]["confirm"]["text"] == "Disconnect" and button["confirm"]["deny"]["text"] == "Cancel"
    )
    assert setup["number"]["display_phone_number"] in button["confirm"]["text"]["text"]
    before = len(slack.publishes("U0ADMIN"))

    await slack.press("U0ADMIN", button["action_id"], value=button["value"], block_id=button["block_id"])

    view = await slack.next_home("U0ADMIN", before, "the Home tab after disconnecting")
    assert await account_status(stack, setup["account_id"]) == AccountStatus.DISCONNECTED.value
    assert waba.subscriptions == {}  # Meta no longer sends us this account's webhooks
    async with stack.services.database.session() as session:
        account = await AccountRepository(session, stack.services.cipher).get(setup["account_id"])
    assert account.business_token_encrypted is None
    entries = [e for e in await audit(stack, slack.team_id) if e.action == "whatsapp.disconnected"]
    assert len(entries) == 1 and entries[0].actor == "U0ADMIN" and entries[0].subject == setup["waba_id"]
    text = view_text(view)
    assert ":white_circle: Disconnected" in text and wording.DETAIL_DISCONNECTED in text
    keys = set(controls(view))
    assert f"reconnect_account:{setup['account_id']}" in keys
    assert f"disconnect_account:{setup['account_id']}" not in keys
    assert f"move_number:{setup['phone_number_id']}" not in keys


async def test_reconnect_brings_the_same_account_back(stack, slack):
    setup = await connected(stack, slack)
    button = controls(slack.home("U0ADMIN"))[f"disconnect_account:{setup['account_id']}"]
    before = len(slack.publishes("U0ADMIN"))
    await slack.press("U0ADMIN", button["action_id"], value=button["value"], block_id=button["block_id"])
    view = await slack.next_home("U0ADMIN", before)

    reconnect = controls(view)[f"reconnect_account:{setup['account_id']}"]
    link = await stack.services.links.inspect(link_token(reconnect["url"]))
    assert (link.team_id, link.user_id) == (slack.team_id, "U0ADMIN")
    await slack.press(
        "U0ADMIN", reconnect["action_id"], value=reconnect["value"], block_id=reconnect["block_id"]
    )

    # Meta's window again, for the same business and account
    world = stack.meta
    token = issue_business_token(world, world.businesses[setup["signup"]["business_id"]])
    grant = {
        "code": issue_code(world, token).value,
        "session_info": finish_session(
            "FINISH",
            {
                "waba_id": setup["waba_id"],
                "phone_number_id": setup["phone_number_id"],
                "business_id": setup["signup"]["business_id"],
            },
        ),
    }
    before = len(slack.publishes("U0ADMIN"))
    status, outcome = await slack.claim(reconnect["url"], grant)
    assert status == 200 and outcome["status"] == "connected", outcome

    assert (
        await account_status(stack, setup["account_id"]) == AccountStatus.ACTIVE.value
    )  # same row, live again
    assert SANDBOX_APP_ID in world.wabas[setup["waba_id"]].subscriptions
    view = await slack.next_home("U0ADMIN", before)
    assert ":large_green_circle: Active" in view_text(view)
    assert f"disconnect_account:{setup['account_id']}" in controls(view)


async def test_a_plain_member_sees_the_state_but_cannot_change_it(stack, slack):
    setup = await connected(stack, slack, "U0ADMIN")
    view = await slack.open_home("U0MEMBER")
    text = view_text(view)
    assert setup["number"]["display_phone_number"] in text and "Active" in text
    assert wording.managed_by_line("U0ADMIN") in text
    assert set(controls(view)) == {"connect_whatsapp"}

    # forged payloads: the buttons are not in their Home tab, but a request can claim anything
    before = len(slack.publishes("U0MEMBER"))
    await slack.press("U0MEMBER", f"disconnect_account:{setup['account_id']}", value=str(setup["account_id"]))
    view = await slack.next_home("U0MEMBER", before)
    assert wording.NOTICE_NOT_ALLOWED in view_text(view)
    assert await account_status(stack, setup["account_id"]) == AccountStatus.ACTIVE.value
    assert SANDBOX_APP_ID in stack.meta.wabas[setup["waba_id"]].subscriptions

    before = len(slack.publishes("U0MEMBER"))
    await slack.choose_channel("U0MEMBER", setup["phone_number_id"], "C0NOBOT")
    view = await slack.next_home("U0MEMBER", before)
    assert wording.NOTICE_NOT_ALLOWED in view_text(view)
    assert await number_channel(stack, setup["phone_number_id"]) == setup["channel_id"]
    assert not joins(stack, "C0NOBOT")
    assert not [
        e
        for e in await audit(stack, slack.team_id)
        if e.action in ("whatsapp.disconnected", "whatsapp.channel_changed")
    ]


async def test_an_account_of_another_workspace_is_not_found(stack, slack):
    setup = await connected(stack, slack, "U0ADMIN")
    await slack.open_home("U0MEMBER")
    before = len(slack.publishes("U0ADMIN"))
    await slack.press("U0ADMIN", "disconnect_account:999999", value="999999")
    view = await slack.next_home("U0ADMIN", before)
    assert wording.NOTICE_NOT_FOUND in view_text(view)
    assert await account_status(stack, setup["account_id"]) == AccountStatus.ACTIVE.value


async def test_the_connector_manages_their_own_number_and_owners_manage_all(stack, slack):
    setup = await connected(stack, slack, "U0MEMBER")
    member_view = slack.home("U0MEMBER")
    assert f"disconnect_account:{setup['account_id']}" in controls(member_view)
    owner_view = await slack.open_home("U0OWNER")
    assert f"disconnect_account:{setup['account_id']}" in controls(owner_view)

    await slack.choose_channel("U0MEMBER", setup["phone_number_id"], "C0PUBLIC")
    await eventually(
        lambda: _is(number_channel(stack, setup["phone_number_id"]), "C0PUBLIC"), what="the connector's move"
    )


async def _is(value_coroutine, expected) -> bool:
    return await value_coroutine == expected


async def invite(slack, user_id: str, phone_number_id: str, chosen: list[str]) -> dict:
    """Pick people in a number's invite menu on ``user_id``'s Home tab; returns the next published view."""
    before = len(slack.publishes(user_id))
    await slack.act(user_id, {
        "type": "multi_users_select",
        "action_id": f"invite_to_channel:{phone_number_id}",
        "block_id": f"invite:{phone_number_id}",
        "selected_users": chosen,
    })
    return await slack.next_home(user_id, before, "the Home tab after inviting")


async def test_admins_invite_teammates_to_a_numbers_private_channel(stack, slack):
    setup = await connected(stack, slack)
    channel = stack.slack.find_channel(setup["channel_id"])
    assert channel.is_private and slack.ws.member_user_id not in channel.members
    menu = controls(slack.home("U0ADMIN"))[f"invite_to_channel:{setup['phone_number_id']}"]
    assert menu["type"] == "multi_users_select" and "initial_users" not in menu

    view = await invite(slack, "U0ADMIN", setup["phone_number_id"],
                        [slack.ws.member_user_id, "U0ADMIN", "U0GONE"])
    text = view_text(view)
    assert f"Invited <@{slack.ws.member_user_id}> to <#{setup['channel_id']}>" in text
    assert f"<@U0ADMIN> was already in <#{setup['channel_id']}>" in text
    assert f"<@U0GONE> {wording.INVITE_PERSON_ERRORS['user_not_found']}" in text
    assert slack.ws.member_user_id in channel.members
    assert "initial_users" not in controls(view)[f"invite_to_channel:{setup['phone_number_id']}"]


async def test_inviting_says_when_the_bot_was_removed_from_the_channel(stack, slack):
    setup = await connected(stack, slack)
    stack.slack.find_channel(setup["channel_id"]).members.remove(slack.ws.bot_user_id)
    view = await invite(slack, "U0ADMIN", setup["phone_number_id"], [slack.ws.member_user_id])
    # a private channel the bot left is invisible to it: Slack says channel_not_found
    assert wording.notice_invite_refused(setup["channel_id"], "channel_not_found") in view_text(view)
    assert "/invite @" in wording.notice_invite_refused(setup["channel_id"], "channel_not_found")


async def test_a_plain_member_cannot_invite_people(stack, slack):
    setup = await connected(stack, slack)
    member = slack.ws.member_user_id
    await slack.open_home(member)
    assert f"invite_to_channel:{setup['phone_number_id']}" not in controls(slack.home(member))
    view = await invite(slack, member, setup["phone_number_id"], [member])  # a forged payload
    assert wording.NOTICE_NOT_ALLOWED in view_text(view)
    assert member not in stack.slack.find_channel(setup["channel_id"]).members
    assert not [c for c in stack.slack.calls("conversations.invite") if c["args"].get("users") == member]
