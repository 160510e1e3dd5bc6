"""views.*: Home tab publishing, modals opened with fresh trigger ids, stacks, submissions."""

from __future__ import annotations

import json
from urllib.parse import parse_qs

import pytest


def home(*blocks: dict) -> dict:
    return {"type": "home", "blocks": list(blocks)}


def modal(title: str = "Send template", **extra) -> dict:
    view = {
        "type": "modal",
        "title": {"type": "plain_text", "text": title},
        "blocks": [
            {
                "type": "input",
                "block_id": "tpl",
                "label": {"type": "plain_text", "text": "Template"},
                "element": {"type": "plain_text_input", "action_id": "name"},
            },
        ],
        "submit": {"type": "plain_text", "text": "Send"},
        "callback_id": "send_template",
    }
    view.update(extra)
    return view


SECTION = {"type": "section", "text": {"type": "mrkdwn", "text": "Connected"}}


async def command_trigger(deliver, ws, user=None) -> str:
    report = await deliver(
        kind="command",
        team_id=ws.team_id,
        user_id=user or ws.admin_user_id,
        channel_id=ws.public_channel_id,
        command="/template",
        text="",
    )
    return report["trigger_id"]


async def test_publish_home_and_read_it_back(api, ws, world, client):
    body = await api("views.publish", user_id=ws.member_user_id, view=home(SECTION))
    assert body["view"]["id"].startswith("V") and body["view"]["hash"] and body["view"]["type"] == "home"
    assert world.latest_home_view("T0SANDBOX", ws.member_user_id)["blocks"] == [SECTION]
    again = await api("views.publish", user_id=ws.member_user_id, view=home(SECTION, {"type": "divider"}))
    assert again["view"]["id"] == body["view"]["id"] and again["view"]["hash"] != body["view"]["hash"]
    over_http = (
        await client.get("/_sim/slack/home", params={"team_id": "T0SANDBOX", "user_id": ws.member_user_id})
    ).json()
    assert len(over_http["view"]["blocks"]) == 2


async def test_publish_accepts_a_form_encoded_view(api, ws):
    body = await api("views.publish", as_json=False, user_id=ws.member_user_id, view=home(SECTION))
    assert body["ok"] is True


async def test_publish_with_a_stale_hash(api, ws):
    first = await api("views.publish", user_id=ws.member_user_id, view=home(SECTION))
    await api("views.publish", user_id=ws.member_user_id, view=home(SECTION))
    stale = await api(
        "views.publish", user_id=ws.member_user_id, view=home(SECTION), hash=first["view"]["hash"]
    )
    assert stale["error"] == "hash_conflict"


async def test_publish_limits(api, ws):
    too_many = await api("views.publish", user_id=ws.member_user_id, view=home(*[SECTION] * 101))
    assert too_many["error"] == "invalid_blocks"
    big = {"type": "section", "text": {"type": "mrkdwn", "text": "x" * 2900}}
    too_large = await api("views.publish", user_id=ws.member_user_id, view=home(*[big] * 90))
    assert too_large["error"] == "view_too_large"
    wrong_type = await api("views.publish", user_id=ws.member_user_id, view=modal())
    assert wrong_type["error"] == "invalid_arguments"
    nobody = await api("views.publish", user_id="U0NOBODY", view=home(SECTION))
    assert nobody["error"] == "user_not_found"


async def test_duplicate_action_ids_in_a_view(api, ws):
    actions = {
        "type": "actions",
        "elements": [
            {"type": "button", "action_id": "connect", "text": {"type": "plain_text", "text": "Connect"}}
        ],
    }
    body = await api("views.publish", user_id=ws.member_user_id, view=home(actions, actions))
    assert body["error"] == "invalid_blocks"
    assert any("action_id must be unique" in m for m in body["response_metadata"]["messages"])


async def test_open_modal_with_a_fresh_trigger(api, ws, deliver):
    trigger = await command_trigger(deliver, ws)
    body = await api("views.open", trigger_id=trigger, view=modal())
    assert body["view"]["type"] == "modal" and body["view"]["root_view_id"] == body["view"]["id"]
    assert (await api("views.open", trigger_id=trigger, view=modal()))["error"] == "exchanged_trigger_id"


async def test_trigger_expires_after_three_seconds(api, ws, deliver, clock):
    trigger = await command_trigger(deliver, ws)
    clock.advance(3.5)
    assert (await api("views.open", trigger_id=trigger, view=modal()))["error"] == "expired_trigger_id"


async def test_made_up_trigger(api):
    assert (await api("views.open", trigger_id="123.456.abc", view=modal()))["error"] == "invalid_trigger_id"


@pytest.mark.parametrize(
    ("view", "error"),
    [
        (modal(title="x" * 25), "invalid_arguments"),
        ({k: v for k, v in modal().items() if k != "submit"}, "invalid_arguments"),
        ({k: v for k, v in modal().items() if k != "title"}, "invalid_arguments"),
        (modal(private_metadata="x" * 3001), "invalid_arguments"),
        (modal(blocks=[{"type": "input", "label": {"type": "plain_text", "text": "x"}}]), "invalid_blocks"),
    ],
)
async def test_modal_rules(api, ws, deliver, view, error):
    trigger = await command_trigger(deliver, ws)
    assert (await api("views.open", trigger_id=trigger, view=view))["error"] == error


async def test_push_onto_an_open_modal_up_to_three(api, ws, deliver):
    root = await api("views.open", trigger_id=await command_trigger(deliver, ws), view=modal())
    for _ in range(2):
        report = await deliver(
            kind="interactivity",
            team_id=ws.team_id,
            payload={"type": "block_actions", "view": {"id": root["view"]["id"]}, "actions": []},
        )
        pushed = await api("views.push", trigger_id=report["trigger_id"], view=modal("More"))
        assert pushed["view"]["root_view_id"] == root["view"]["id"]
    report = await deliver(
        kind="interactivity", team_id=ws.team_id, payload={"type": "block_actions", "actions": []}
    )
    assert (await api("views.push", trigger_id=report["trigger_id"], view=modal()))[
        "error"
    ] == "push_limit_reached"


async def test_update_by_id_and_external_id(api, ws, deliver):
    opened = await api(
        "views.open", trigger_id=await command_trigger(deliver, ws), view=modal(external_id="tpl-1")
    )
    view_id, view_hash = opened["view"]["id"], opened["view"]["hash"]
    updated = await api(
        "views.update", view_id=view_id, hash=view_hash, view=modal("Loaded", external_id="tpl-1")
    )
    assert updated["view"]["title"]["text"] == "Loaded"
    stale = await api("views.update", view_id=view_id, hash=view_hash, view=modal())
    assert stale["error"] == "hash_conflict"
    by_external = await api("views.update", external_id="tpl-1", view=modal("Again", external_id="tpl-1"))
    assert by_external["view"]["id"] == view_id
    assert (await api("views.update", view_id="V0NOPE", view=modal()))["error"] == "not_found"
    assert (await api("views.update", view=modal()))["error"] == "invalid_arguments"


async def test_submission_payload_carries_the_stored_view_and_a_plain_ack_closes_it(
    api, ws, deliver, relay, world
):
    opened = await api("views.open", trigger_id=await command_trigger(deliver, ws), view=modal())
    state = {"tpl": {"name": {"type": "plain_text_input", "value": "welcome"}}}
    report = await deliver(
        kind="interactivity",
        team_id=ws.team_id,
        payload={"type": "view_submission", "view": {"id": opened["view"]["id"], "state": {"values": state}}},
    )
    payload = json.loads(parse_qs(relay.received[-1]["body"])["payload"][0])
    assert payload["view"]["callback_id"] == "send_template" and payload["view"]["state"]["values"] == state
    assert payload["user"]["id"] == ws.admin_user_id and payload["team"]["id"] == ws.team_id
    assert payload["api_app_id"] == ws.app_id and payload["trigger_id"]
    assert report["view_result"] == {"action": "close", "ok": True, "stack": []}


async def test_submission_answered_with_an_update_is_validated(api, ws, deliver, relay):
    opened = await api("views.open", trigger_id=await command_trigger(deliver, ws), view=modal())
    relay.reply = (200, json.dumps({"response_action": "update", "view": modal("x" * 30)}), {})
    report = await deliver(
        kind="interactivity",
        team_id=ws.team_id,
        payload={"type": "view_submission", "view": {"id": opened["view"]["id"]}},
    )
    assert report["view_result"]["ok"] is False and report["view_result"]["error"] == "invalid_arguments"
    relay.reply = (200, json.dumps({"response_action": "errors", "errors": {"tpl": "Pick one"}}), {})
    report = await deliver(
        kind="interactivity",
        team_id=ws.team_id,
        payload={"type": "view_submission", "view": {"id": opened["view"]["id"]}},
    )
    assert report["view_result"]["action"] == "errors" and report["view_result"]["stack"] == [
        opened["view"]["id"]
    ]


async def test_passing_a_payloads_view_object_back_is_rejected(api, ws, deliver):
    opened = await api("views.open", trigger_id=await command_trigger(deliver, ws), view=modal())
    body = await api("views.update", view_id=opened["view"]["id"], view=opened["view"])
    assert body["error"] == "invalid_arguments"
    assert "[ERROR] unsupported property [json-pointer:/view/id]" in body["response_metadata"]["messages"]


# ---- the person's side of a modal, over time ---------------------------------------------------


async def open_modal(api, deliver, ws, **extra) -> str:
    opened = await api("views.open", trigger_id=await command_trigger(deliver, ws), view=modal(**extra))
    return opened["view"]["id"]


async def test_views_update_on_a_modal_the_person_closed_is_not_found(api, ws, deliver, client):
    view_id = await open_modal(api, deliver, ws)
    closed = await client.post("/_sim/slack/views/close", json={"user_id": ws.admin_user_id})
    assert closed.status_code == 200 and closed.json()["closed"] == view_id and closed.json()["stack"] == []
    assert closed.json()["delivery"] is None  # no notify_on_close: Slack tells the app nothing
    assert (await api("views.update", view_id=view_id, view=modal("Loaded")))["error"] == "not_found"
    nothing_open = await client.post("/_sim/slack/views/close", json={"user_id": ws.admin_user_id})
    assert nothing_open.status_code == 409


async def test_views_update_on_a_modal_replaced_or_submitted_is_not_found(api, ws, deliver):
    first = await open_modal(api, deliver, ws)
    second = await open_modal(api, deliver, ws)  # a new views.open replaces the person's stack
    assert (await api("views.update", view_id=first, view=modal()))["error"] == "not_found"
    await deliver(kind="interactivity", payload={"type": "view_submission", "view": {"id": second}})
    assert (await api("views.update", view_id=second, view=modal()))["error"] == "not_found"


async def test_view_closed_only_with_notify_on_close(api, ws, deliver, client, relay):
    quiet = await open_modal(api, deliver, ws)
    refused = await client.post(
        "/_sim/slack/event", json={"kind": "interactivity", "payload": {"type": "view_closed", "view": {"id": quiet}}}
    )
    assert refused.status_code == 409
    told = await open_modal(api, deliver, ws, notify_on_close=True)
    received = len(relay.received)
    closed = (await client.post("/_sim/slack/views/close", json={"user_id": ws.admin_user_id, "clear": True})).json()
    assert closed["delivery"]["status"] == 200 and len(relay.received) == received + 1
    payload = json.loads(parse_qs(relay.received[-1]["body"])["payload"][0])
    assert payload["type"] == "view_closed" and payload["view"]["id"] == told and payload["is_cleared"] is True
    assert payload["view"]["notify_on_close"] is True and payload["user"]["id"] == ws.admin_user_id


async def test_cancel_on_a_pushed_view_goes_back_one(api, ws, deliver, client):
    root = await open_modal(api, deliver, ws)
    report = await deliver(kind="interactivity", payload={"type": "block_actions", "view": {"id": root}, "actions": []})
    pushed = await api("views.push", trigger_id=report["trigger_id"], view=modal("More"))
    closed = (await client.post("/_sim/slack/views/close", json={"user_id": ws.admin_user_id})).json()
    assert closed["closed"] == pushed["view"]["id"] and closed["stack"] == [root]
    assert (await api("views.update", view_id=root, view=modal("Still here")))["ok"] is True


@pytest.mark.parametrize("answer", ["late", "error"])
async def test_a_submission_answered_late_or_with_an_error_is_not_applied(api, ws, deliver, relay, world, client,
                                                                          answer):
    view_id = await open_modal(api, deliver, ws)
    if answer == "late":
        world.change_realism({"ack_seconds": 0.05})
        relay.delay = 0.15
        relay.reply = (200, json.dumps({"response_action": "update", "view": modal("Sent!")}), {})
    else:
        relay.reply = (500, "", {})
    report = await deliver(kind="interactivity", payload={"type": "view_submission", "view": {"id": view_id}})
    assert report["view_result"]["applied"] is False
    assert report["view_result"]["shown"] == "We had some trouble connecting. Try again?"
    assert ws.modal_stacks[ws.admin_user_id] == [view_id]  # the modal stays open, unchanged
    assert ws.views[view_id].spec["title"]["text"] == "Send template"
    shown = (await client.get("/_sim/slack/shown_errors")).json()
    assert shown[-1]["view_id"] == view_id and shown[-1]["user_id"] == ws.admin_user_id
    assert len(relay.received) == 2  # interactivity is never retried (the command, then the submission)


async def test_a_late_slash_command_shows_operation_timeout(deliver, relay, world, ws):
    world.change_realism({"ack_seconds": 0.05})
    relay.delay = 0.15
    report = await deliver(kind="command", command="/template", channel_id=ws.public_channel_id)
    assert report["shown_error"] == '/template failed with the error "operation_timeout"'
    assert world.shown_errors[-1]["reason"] == "operation_timeout"
