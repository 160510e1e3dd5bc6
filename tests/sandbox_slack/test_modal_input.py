"""A person working in a modal, as Slack's client does it: typing and picking change the view's state, only
dispatching elements send block_actions (text inputs on their configured trigger), external selects ask the
app's options load URL (block_suggestion) and pick only what it offered, Submit sends the state; views.update
keeps what was typed only where block_id and action_id stay; response_action errors must name input blocks."""

from __future__ import annotations

import json
from urllib.parse import parse_qs

from tests.sandbox_slack.test_views import command_trigger

TYPING = {"trigger_actions_on": ["on_character_entered"]}


def form(*, note_block: str = "note", dispatch_note: bool = True) -> dict:
    return {
        "type": "modal", "callback_id": "form", "title": {"type": "plain_text", "text": "Form"},
        "submit": {"type": "plain_text", "text": "Send"},
        "blocks": [
            {"type": "input", "block_id": note_block, "dispatch_action": dispatch_note,
             "label": {"type": "plain_text", "text": "Note"},
             "element": {"type": "plain_text_input", "action_id": "note", "dispatch_action_config": TYPING}},
            {"type": "input", "block_id": "quiet", "label": {"type": "plain_text", "text": "Quiet"},
             "element": {"type": "plain_text_input", "action_id": "quiet"}},
            {"type": "input", "block_id": "kind", "dispatch_action": True,
             "label": {"type": "plain_text", "text": "Kind"},
             "element": {"type": "static_select", "action_id": "kind", "options": [
                 {"text": {"type": "plain_text", "text": "A"}, "value": "a"},
                 {"text": {"type": "plain_text", "text": "B"}, "value": "b"}]}},
            {"type": "input", "block_id": "who", "label": {"type": "plain_text", "text": "Who"},
             "element": {"type": "external_select", "action_id": "who", "min_query_length": 0}},
        ],
    }


def payloads(relay) -> list[dict]:
    found = []
    for received in relay.received:
        form_body = parse_qs(received["body"])
        if "payload" in form_body:
            found.append(json.loads(form_body["payload"][0]))
    return found


async def opened(api, ws, deliver) -> dict:
    return (await api("views.open", trigger_id=await command_trigger(deliver, ws), view=form()))["view"]


async def test_typing_dispatches_on_the_configured_trigger_only(api, ws, deliver, client, relay):
    view = await opened(api, ws, deliver)
    quiet = (await client.post("/_sim/slack/views/enter", json={"block_id": "quiet", "value": "hi"})).json()
    assert quiet["dispatched"] is False
    enter = (await client.post("/_sim/slack/views/enter", json={"block_id": "note", "value": "x",
                                                                 "trigger": "on_enter_pressed"})).json()
    assert enter["dispatched"] is False  # the input dispatches on characters, not on Enter
    typed = (await client.post("/_sim/slack/views/enter", json={"block_id": "note", "value": "hello",
                                                                 "trigger": "on_character_entered"})).json()
    assert typed["dispatched"] is True and typed["delivery"]["status"] == 200
    action = payloads(relay)[-1]
    assert action["type"] == "block_actions" and action["container"] == {"type": "view", "view_id": view["id"]}
    assert action["actions"][0] | {"action_ts": "t"} == {"type": "plain_text_input", "value": "hello",
                                                         "action_id": "note", "block_id": "note", "action_ts": "t"}
    assert action["view"]["state"]["values"] == {"quiet": {"quiet": {"type": "plain_text_input", "value": "hi"}},
                                                 "note": {"note": {"type": "plain_text_input", "value": "hello"}}}
    assert action["trigger_id"] and action["view"]["hash"] == view["hash"]


async def test_a_select_picks_only_its_options(api, ws, deliver, client, relay):
    await opened(api, ws, deliver)
    picked = (await client.post("/_sim/slack/views/enter", json={"block_id": "kind", "value": "b"})).json()
    assert picked["dispatched"] is True
    assert payloads(relay)[-1]["actions"][0]["selected_option"]["value"] == "b"
    refused = await client.post("/_sim/slack/views/enter", json={"block_id": "kind", "value": "z"})
    assert refused.status_code == 409


async def test_an_external_select_shows_what_the_app_offers(api, ws, deliver, client, relay):
    await opened(api, ws, deliver)
    offered = {"options": [{"text": {"type": "plain_text", "text": "Amira"}, "value": "7"}]}
    relay.reply = (200, json.dumps(offered), {})
    suggested = (await client.post("/_sim/slack/views/suggest", json={"block_id": "who", "query": "Am"})).json()
    asked = payloads(relay)[-1]
    assert (asked["type"], asked["action_id"], asked["block_id"], asked["value"]) == (
        "block_suggestion", "who", "who", "Am")
    assert suggested["options"] == offered["options"] and suggested["problem"] is None
    picked = (await client.post("/_sim/slack/views/enter", json={"block_id": "who", "value": "7"})).json()
    assert picked["dispatched"] is False and picked["suggestion"]["options"] == offered["options"]
    missing = await client.post("/_sim/slack/views/enter", json={"block_id": "who", "value": "8"})
    assert missing.status_code == 409  # the app did not offer it
    relay.reply = (200, json.dumps({"options": [{"text": {"type": "plain_text", "text": "x" * 76},
                                                 "value": "1"}]}), {})
    too_long = (await client.post("/_sim/slack/views/suggest", json={"block_id": "who"})).json()
    assert too_long["options"] == [] and "75" in too_long["problem"]


async def test_submit_sends_the_state_and_errors_must_name_input_blocks(api, ws, deliver, client, relay):
    view = await opened(api, ws, deliver)
    await client.post("/_sim/slack/views/enter", json={"block_id": "quiet", "value": "typed"})
    relay.reply = (200, json.dumps({"response_action": "errors", "errors": {"quiet": "Not like this"}}), {})
    report = (await client.post("/_sim/slack/views/submit", json={})).json()
    submitted = payloads(relay)[-1]
    assert submitted["type"] == "view_submission" and submitted["view"]["id"] == view["id"]
    assert submitted["view"]["state"]["values"]["quiet"]["quiet"]["value"] == "typed"
    assert report["view_result"] == {"action": "errors", "ok": True, "errors": {"quiet": "Not like this"},
                                     "stack": [view["id"]]}
    relay.reply = (200, json.dumps({"response_action": "errors", "errors": {"nowhere": "?"}}), {})
    report = (await client.post("/_sim/slack/views/submit", json={})).json()
    assert report["view_result"]["ok"] is False and "nowhere" in report["view_result"]["error"]


async def test_an_update_keeps_entries_only_where_block_and_action_ids_stay(api, ws, deliver, client):
    view = await opened(api, ws, deliver)
    await client.post("/_sim/slack/views/enter", json={"block_id": "quiet", "value": "kept"})
    await client.post("/_sim/slack/views/enter", json={"block_id": "note", "value": "dropped",
                                                       "trigger": "on_enter_pressed"})
    updated = await api("views.update", view_id=view["id"], hash=view["hash"], view=form(note_block="note2"))
    assert updated["view"]["state"]["values"] == {"quiet": {"quiet": {"type": "plain_text_input",
                                                                      "value": "kept"}}}


async def test_a_file_attached_in_a_file_input_reaches_the_app(api, ws, deliver, client, relay):
    view = form()
    view["blocks"].append({"type": "input", "block_id": "csv", "optional": True,
                           "label": {"type": "plain_text", "text": "CSV"},
                           "element": {"type": "file_input", "action_id": "csv", "max_files": 1}})
    await api("views.open", trigger_id=await command_trigger(deliver, ws), view=view)
    made = (await client.post("/_sim/slack/human_files", json={"name": "list.csv", "content": "phone\n+447700900123",
                                                              "mimetype": "text/csv"})).json()["file"]
    entered = (await client.post("/_sim/slack/views/enter", json={"block_id": "csv", "value": [made["id"]]})).json()
    assert entered["dispatched"] is False
    await client.post("/_sim/slack/views/submit", json={})
    [attached] = payloads(relay)[-1]["view"]["state"]["values"]["csv"]["csv"]["files"]
    assert attached["id"] == made["id"] and attached["name"] == "list.csv"
    download = await client.get(attached["url_private_download"].removeprefix("http://testserver"),
                                headers={"Authorization": f"Bearer {ws.bot_token}"})
    assert download.status_code == 200 and download.text == "phone\n+447700900123"
    two = await client.post("/_sim/slack/views/enter", json={"block_id": "csv", "value": [made["id"], made["id"]]})
    assert two.status_code == 409
