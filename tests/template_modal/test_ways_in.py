"""The other ways into the modal (the Send template message shortcut on a candidate's thread, the Send a
template button of the window-closed notice) open it for that candidate; and who may use it: people who can
read the number's channel, in the number's own workspace, with Slack's signature."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import update

from bot import template_modal_wording as words
from storage.messaging_models import Conversation
from storage.models import utcnow
from storage.repositories import InstallationRepository, TenantRepository
from tests.bot.conftest import eventually, view_text
from tests.template_modal.conftest import Recruiter, block_ids


def picked_conversation(view: dict) -> str | None:
    block = next(b for b in view["blocks"] if b.get("block_id") == "conversation")
    return (block["element"].get("initial_option") or {}).get("value")


async def shortcut(world, ts: str, channel_id: str | None = None, user_id: str | None = None) -> dict:  # type: ignore[no-untyped-def]
    payload = {"type": "message_action", "callback_id": "send_template_from_message",
               "user": {"id": user_id or world.recruiter.user_id},
               "channel": {"id": channel_id or world.channel_id}, "message": {"type": "message", "ts": ts}}
    delivery = await world.stack.slack_event(kind="interactivity", payload=payload)
    assert delivery["status"] == 200 and delivery["in_time"], delivery
    return delivery


async def test_the_shortcut_on_a_candidate_s_thread_opens_the_modal_for_them(modal_world):
    conversation = await modal_world.candidate_writes()
    await shortcut(modal_world, conversation.thread_ts)
    view = await modal_world.recruiter.form()
    assert picked_conversation(view) == str(conversation.id)
    assert "Amira Haddad · +44 7700 900123" in view_text(view)
    recruiter = modal_world.recruiter
    await recruiter.enter(next(b for b in block_ids(view) if b.startswith("template.")), "hello_world|en_US")
    assert (await recruiter.submit())["view_result"]["action"] == "update"
    [request] = modal_world.sender.submits
    assert [r.conversation_id for r in request.recipients] == [conversation.id]
    assert request.template_name == "hello_world" and request.components == ()


async def test_the_shortcut_on_another_message_says_what_it_is_for(modal_world):
    stack = modal_world.stack
    await shortcut(modal_world, "1700000000.000100", channel_id=stack.workspace.public_channel_id)
    answers = await eventually(lambda: [r for r in stack.slack.responses if r.get("text") == words.NOT_A_THREAD],
                               what="the shortcut's ephemeral answer")
    assert answers[0]["response_type"] == "ephemeral"
    assert await stack.slack_calls("views.open") == []


async def test_the_window_closed_button_opens_the_modal_for_that_candidate(modal_world):
    conversation = await modal_world.candidate_writes()
    stack = modal_world.stack
    async with stack.services.database.session() as session:
        await session.execute(update(Conversation).values(last_inbound_at=utcnow() - timedelta(hours=25)))
        await session.commit()
    reply = {"type": "message", "channel": modal_world.channel_id, "user": modal_world.recruiter.user_id,
             "text": "Are you still interested?", "ts": stack.slack.ts.next(), "thread_ts": conversation.thread_ts}
    assert (await stack.slack_event(kind="event", event=reply))["status"] == 200
    notice = await eventually(lambda: stack.slack.ephemeral_messages(modal_world.channel_id),
                              what="the window-closed ephemeral")
    button = notice[0]["blocks"][1]["elements"][0]
    press = {"type": "block_actions", "user": {"id": modal_world.recruiter.user_id},
             "channel": {"id": modal_world.channel_id}, "container": {"type": "message"},
             "actions": [{**button, "block_id": "window_closed", "action_ts": "1.0"}]}
    assert (await stack.slack_event(kind="interactivity", payload=press))["status"] == 200
    view = await modal_world.recruiter.form()
    assert picked_conversation(view) == str(conversation.id)


async def test_a_button_naming_no_conversation_of_the_workspace_opens_nothing(modal_world):
    stack = modal_world.stack
    press = {"type": "block_actions", "user": {"id": modal_world.recruiter.user_id},
             "channel": {"id": modal_world.channel_id}, "container": {"type": "message"},
             "actions": [{"type": "button", "action_id": "open_template_modal", "block_id": "window_closed",
                          "value": "999", "action_ts": "1.0", "text": {"type": "plain_text", "text": "Send"}}]}
    assert (await stack.slack_event(kind="interactivity", payload=press))["status"] == 200
    await eventually(lambda: [r for r in stack.slack.responses if r.get("text") == words.CONVERSATION_NOT_FOUND],
                     what="the button's answer")
    assert await stack.slack_calls("views.open") == []


async def test_someone_outside_the_number_s_private_channel_cannot_send(modal_world):
    stack = modal_world.stack
    member = modal_world.person(stack.workspace.member_user_id)
    assert member.user_id not in stack.slack.find_channel(modal_world.channel_id).members
    await member.command("interview_invite")
    view = await member.form()
    assert words.NOT_ALLOWED in view_text(view) and view["submit"] is None
    # a forged submission naming the number gets nothing sent
    conversation = await modal_world.candidate_writes()
    forged = {"type": "view_submission", "user": {"id": member.user_id},
              "view": {"id": view["id"], "callback_id": "template_modal",
                       "private_metadata": json.dumps({"pn": modal_world.phone_number_id,
                                                       "conv": conversation.id}),
                       "state": {"values": {"template.x": {"template": {
                           "type": "static_select", "selected_option": {"value": "hello_world|en_US"}}}}}}}
    report = await stack.slack_event(kind="interactivity", payload=forged)
    assert report["status"] == 200 and words.FORBIDDEN_NUMBER in report["body"]
    assert modal_world.sender.submits == [] and modal_world.sender.preflights == []


async def test_a_member_invited_to_the_channel_may_send(modal_world):
    stack = modal_world.stack
    stack.slack.find_channel(modal_world.channel_id).members.append(stack.workspace.member_user_id)
    member = modal_world.person(stack.workspace.member_user_id)
    await member.command("interview_invite")
    assert "param.body.1" in block_ids(await member.form())


async def test_another_workspace_sees_none_of_this_one(modal_world):
    stack = modal_world.stack
    conversation = await modal_world.candidate_writes()
    other = stack.slack.add_workspace("T0OTHER", "Other", "other")
    async with stack.services.database.session() as session:
        await TenantRepository(session).get_or_create(other.team_id, other.name)
        await InstallationRepository(session, stack.services.cipher).save(
            team_id=other.team_id, team_name=other.name, bot_token=other.bot_token, bot_user_id=other.bot_user_id,
            bot_id=other.bot_id, app_id=other.app_id, bot_scopes=",".join(other.scopes),
            installer_user_id=other.admin_user_id)
        await session.commit()
    outsider = Recruiter(stack, other.admin_user_id, other.public_channel_id)
    delivery = await stack.slack_event(kind="command", command="/template", team_id=other.team_id,
                                       user_id=other.admin_user_id, channel_id=other.public_channel_id)
    assert delivery["status"] == 200
    ws = stack.slack.workspaces[other.team_id]
    view = await eventually(lambda: [ws.views[v].to_api() for v in ws.modal_stacks.get(outsider.user_id, [])
                                     if ws.views[v].spec.get("callback_id") != "template_modal_loading"],
                            what="the other workspace's modal")
    assert "No WhatsApp number is connected" in view_text(view[-1])
    metadata = json.dumps({"pn": modal_world.phone_number_id, "conv": conversation.id})
    state = {"number": {"number": {"type": "static_select",
                                   "selected_option": {"value": modal_world.phone_number_id}}},
             "conversation": {"conversation": {"type": "external_select",
                                               "selected_option": {"value": str(conversation.id)}}}}
    forged = {"type": "view_submission", "user": {"id": other.admin_user_id},
              "view": {"id": view[-1]["id"], "callback_id": "template_modal", "private_metadata": metadata,
                       "state": {"values": state}}}
    report = await stack.slack_event(kind="interactivity", team_id=other.team_id, payload=forged)
    assert report["status"] == 200 and words.FORBIDDEN_NUMBER in report["body"]
    suggestion = {"type": "block_suggestion", "user": {"id": other.admin_user_id}, "action_id": "conversation",
                  "block_id": "conversation", "value": "",
                  "view": {"id": view[-1]["id"], "callback_id": "template_modal", "private_metadata": metadata}}
    options = await stack.slack_event(kind="interactivity", team_id=other.team_id, payload=suggestion)
    assert json.loads(options["body"]) == {"options": []}
    assert modal_world.sender.submits == []


async def test_a_request_without_slack_s_signature_opens_nothing(modal_world):
    stack = modal_world.stack
    delivery = await stack.slack_event(kind="command", command="/template", signature="v0=forged",
                                       user_id=modal_world.recruiter.user_id, channel_id=modal_world.channel_id)
    assert delivery["status"] == 401
    assert await stack.slack_calls("views.open") == []
