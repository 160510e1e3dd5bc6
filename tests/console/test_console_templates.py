"""Template messages in the console (Debian's chromium, the whole sandbox stack): the phone draws what the business
sends with its header, body, footer and buttons, a quick-reply tap reaches the candidate's thread, and the Slack
pane's modals handle what a template form needs."""

from __future__ import annotations

import json

import pytest
from playwright.async_api import expect

from sandbox.slack.modals import apply_view_response

from .steps import eventually, open_console

pytestmark = pytest.mark.browser


SHIFT_TEMPLATE = [
    {"type": "HEADER", "format": "TEXT", "text": "Night shift for {{1}}"},
    {"type": "BODY", "text": "Hi {{1}}, the *{{2}}* shift pays _{{3}}_. <b>Tap below</b> to answer."},
    {"type": "FOOTER", "text": "Reply STOP to opt out"},
    {"type": "BUTTONS", "buttons": [
        {"type": "QUICK_REPLY", "text": "I'll take it"},
        {"type": "QUICK_REPLY", "text": "Not this time"},
        {"type": "URL", "text": "See the shift", "url": "https://jobs.example.com/shifts/{{1}}"},
        {"type": "PHONE_NUMBER", "text": "Call us", "phone_number": "+15550100200"},
    ]},
]  # fmt: skip


async def test_a_template_shows_on_the_phone_and_its_quick_reply_reaches_the_thread(stack, page, artifacts):
    """The template is sent through Graph with the business's token, as the relay's template sender does."""
    outcome = await stack.connect_number()
    number = outcome["numbers"][0]
    pnid = number["phone_number_id"]
    waba = stack.meta.wabas[stack.meta.numbers[pnid].waba_id]
    stack.meta.approve_template(waba.id, "shift_offer", SHIFT_TEMPLATE)
    await stack.http.post(f"{stack.meta_sim_url}/_sim/meta/inbound", json={
        "phone_number_id": pnid, "from": "212600000042", "name": "Amina", "type": "text", "text": "Any shifts?"})
    token = next(t.value for t in stack.meta.tokens.values() if t.business_id == waba.business_id and not t.revoked)
    await open_console(page, stack)
    await expect(page.locator("#chat li.mine")).to_have_count(1)
    sent = await stack.http.post(
        f"{stack.meta_sim_url}/{stack.meta.config.api_version}/{pnid}/messages",
        headers={"Authorization": f"Bearer {token}"},
        json={"messaging_product": "whatsapp", "to": "212600000042", "type": "template", "template": {
            "name": "shift_offer", "language": {"code": "en_US"}, "components": [
                {"type": "header", "parameters": [{"type": "text", "text": "Amina"}]},
                {"type": "body", "parameters": [{"type": "text", "text": "Amina"}, {"type": "text", "text": "night"},
                                                {"type": "text", "text": "€120"}]},
                {"type": "button", "sub_type": "quick_reply", "index": "0",
                 "parameters": [{"type": "payload", "payload": "TAKE-SHIFT"}]},
                {"type": "button", "sub_type": "url", "index": "2", "parameters": [{"type": "text", "text": "42"}]},
            ]}})  # fmt: skip
    assert sent.status_code == 200, sent.text

    bubble = page.locator("#chat li.theirs")
    await expect(bubble).to_have_count(1)
    card = bubble.locator(".wa-template")
    await expect(card.locator(".wa-tpl-header")).to_have_text("Night shift for Amina")
    body = "Hi Amina, the night shift pays €120. <b>Tap below</b> to answer."  # marks drawn, markup shown as typed
    await expect(card.locator(".wa-tpl-body")).to_have_text(body)
    await expect(card.locator(".wa-tpl-body strong")).to_have_text("night")
    await expect(card.locator(".wa-tpl-body em")).to_have_text("€120")
    await expect(card.locator(".wa-tpl-footer")).to_have_text("Reply STOP to opt out")
    buttons = bubble.locator(".wa-tpl-button")
    await expect(buttons).to_have_count(4)
    await expect(buttons.nth(2)).to_have_attribute("href", "https://jobs.example.com/shifts/42")
    await expect(buttons.nth(3)).to_have_attribute("href", "tel:+15550100200")
    await expect(bubble.locator(".tick")).to_have_attribute("data-status", "read", timeout=10_000)
    await page.screenshot(path=str(artifacts / "11-template.png"))

    # the candidate taps the quick reply: Meta's button webhook reaches the relay, the answer lands in the thread
    await buttons.first.click()
    await expect(page.locator("#reaction-bar")).to_be_hidden()  # a tap on a button is not a tap on the bubble
    mine = page.locator("#chat li.mine")
    await expect(mine).to_have_count(2)
    await expect(mine.last).to_contain_text("I'll take it")
    tapped = [m for m in stack.meta.inbound.values() if m["type"] == "button"]
    assert tapped and tapped[0]["message"]["button"] == {"payload": "TAKE-SHIFT", "text": "I'll take it"}
    assert tapped[0]["message"]["context"]["id"] == sent.json()["messages"][0]["id"]
    await page.locator("#channel li.slack-msg").first.locator("button.replies").click()
    await expect(page.locator("#thread li.slack-msg", has_text="I'll take it")).to_have_count(1, timeout=20_000)
    await page.screenshot(path=str(artifacts / "12-quick-reply.png"))
    assert await page.locator("#chat b").count() == 0
    assert page.errors == []  # type: ignore[attr-defined]


def _reaches(items: list, count: int):
    async def check():
        return len(items) >= count

    return check


def _option(value: str) -> dict:
    return {"text": {"type": "plain_text", "text": value.replace("_", " ")}, "value": value}


PROBE_MODAL = {
    "type": "modal", "callback_id": "console_probe", "title": {"type": "plain_text", "text": "Send a template"},
    "submit": {"type": "plain_text", "text": "Send"}, "close": {"type": "plain_text", "text": "Cancel"},
    "blocks": [
        {"type": "input", "block_id": "template", "dispatch_action": True,
         "label": {"type": "plain_text", "text": "Template"},
         "element": {"type": "radio_buttons", "action_id": "pick",
                     "options": [_option("interview_invite"), _option("job_opportunity")]}},
        {"type": "input", "block_id": "language", "label": {"type": "plain_text", "text": "Language"},
         "element": {"type": "static_select", "action_id": "lang",
                     "placeholder": {"type": "plain_text", "text": "Choose"},
                     "options": [_option("en_US"), _option("fr")]}},
        {"type": "input", "block_id": "to", "dispatch_action": True,
         "label": {"type": "plain_text", "text": "WhatsApp number"},
         "element": {"type": "plain_text_input", "action_id": "number",
                     "dispatch_action_config": {"trigger_actions_on": ["on_enter_pressed"]}}},
        {"type": "input", "block_id": "param_1", "label": {"type": "plain_text", "text": "{{1}}"},
         "element": {"type": "plain_text_input", "action_id": "value"}},
        {"type": "input", "block_id": "search", "dispatch_action": True, "optional": True,
         "label": {"type": "plain_text", "text": "Or search all templates"},
         "element": {"type": "external_select", "action_id": "find", "min_query_length": 1}},
    ],
}  # fmt: skip


async def test_a_modal_with_radios_selects_searches_and_dispatching_inputs_shows_inline_errors(stack, page, artifacts):
    """The console side of a form like /template's: what it sends Slack's way for each control, values kept
    across the app's views.update, and response_action "errors" shown under each field, as the Slack simulator
    reports them (sandbox/slack/modals.py). The app's answers are played here; the relay's own modal is tested
    where it lives."""
    await stack.connect_number()
    team, admin = stack.workspace.team_id, stack.workspace.admin_user_id
    ws = stack.slack.workspace(team)
    sent: list[dict] = []
    suggested: list[str] = []
    errors = {"to": "That is not a WhatsApp number: use international digits", "param_1": "Fill in {{1}}"}

    async def slack_answers(route):
        body = route.request.post_data_json
        payload = body.get("payload") or {}
        if payload.get("type") == "block_suggestion":  # the app lists what matches the query
            suggested.append(payload["value"])
            found = [_option(n) for n in ("interview_invite", "job_opportunity") if payload["value"] in n]
            await route.fulfill(json={"status": 200, "body": json.dumps({"options": found})})
            return
        if payload.get("type") not in ("view_submission", "block_actions") or "view" not in payload:
            await route.continue_()
            return
        sent.append(payload)
        answer: dict = {"status": 200, "body": ""}
        if payload["type"] == "view_submission":
            text = json.dumps({"response_action": "errors", "errors": errors})
            answer.update(body=text, view_result=apply_view_response(stack.slack, ws, body, text))
        await route.fulfill(json=answer)

    await page.route("**/_sim/slack/event", slack_answers)
    await open_console(page, stack)
    headers = {"Authorization": f"Bearer {stack.workspace.bot_token}"}
    opened = await stack.http.post(f"{stack.slack_sim_url}/api/views.open", headers=headers, json={
        "trigger_id": stack.slack.issue_trigger(team, admin), "view": PROBE_MODAL})
    assert opened.json()["ok"], opened.text
    view_id = opened.json()["view"]["id"]
    modal = page.locator("#modal")
    await expect(modal).to_be_visible()
    await expect(page.locator("#modal-title")).to_have_text("Send a template")
    await expect(page.locator("#modal-submit")).to_have_text("Send")

    # a dispatching radio group and a dispatching text input (on Enter) send block_actions with the state
    await modal.get_by_label("job opportunity").check()
    assert await eventually(_reaches(sent, 1), within=10)
    assert sent[0]["actions"][0]["selected_option"]["value"] == "job_opportunity"
    await page.select_option("#modal [data-action-id='lang']", "fr")
    await page.fill("#modal [data-action-id='number']", "0612")
    await page.fill("#modal [data-action-id='value']", "not yet")
    assert len(sent) == 1  # a select inside a plain input block waits for Submit
    await page.press("#modal [data-action-id='number']", "Enter")
    assert await eventually(_reaches(sent, 2), within=10)
    assert sent[1]["actions"][0] == {**sent[1]["actions"][0], "type": "plain_text_input", "action_id": "number",
                                     "block_id": "to", "value": "0612"}  # fmt: skip
    assert sent[1]["view"]["state"]["values"]["language"]["lang"]["selected_option"]["value"] == "fr"

    # an external select asks the app as the person types, and dispatches the option picked
    await page.fill("#modal [data-search-for='find']", "interview")
    await expect(page.locator("#modal [data-action-id='find'] option")).to_have_count(2)  # "Choose…" and one
    assert suggested[-1] == "interview"
    await page.select_option("#modal [data-action-id='find']", "interview_invite")
    assert await eventually(_reaches(sent, 3), within=10)
    assert sent[2]["actions"][0]["selected_option"]["value"] == "interview_invite"

    # the app updates the view (as /template does when a template is picked): what was entered stays
    updated = dict(PROBE_MODAL, blocks=[*PROBE_MODAL["blocks"], {"type": "context", "elements": [
        {"type": "mrkdwn", "text": "_job opportunity_ has 2 parameters"}]}])  # fmt: skip
    answer = await stack.http.post(f"{stack.slack_sim_url}/api/views.update", headers=headers,
                                   json={"view_id": view_id, "view": updated})  # fmt: skip
    assert answer.json()["ok"], answer.text
    await expect(modal.locator("[data-block-type='context']")).to_contain_text("job opportunity has 2 parameters")
    await expect(page.locator("#modal [data-action-id='number']")).to_have_value("0612")
    await expect(page.locator("#modal [data-action-id='lang']")).to_have_value("fr")
    await expect(modal.get_by_label("job opportunity")).to_be_checked()
    await expect(page.locator("#modal [data-action-id='find']")).to_have_value("interview_invite")

    # Submit: the filled state goes out; the app's errors show under their fields, the modal stays open
    await page.click("#modal-submit")
    await expect(modal.locator(".bk-error")).to_have_count(2)
    await expect(modal.locator("[data-block-id='to'] .bk-error")).to_have_text(errors["to"])
    await expect(modal.locator("[data-block-id='param_1'] .bk-error")).to_have_text(errors["param_1"])
    values = sent[-1]["view"]["state"]["values"]
    assert sent[-1]["type"] == "view_submission"
    assert values["template"]["pick"]["selected_option"]["value"] == "job_opportunity"
    assert values["to"]["number"] == {"type": "plain_text_input", "value": "0612"}
    assert values["param_1"]["value"]["value"] == "not yet"
    assert values["search"]["find"]["selected_option"]["value"] == "interview_invite"
    await expect(modal).to_be_visible()
    await page.screenshot(path=str(artifacts / "13-modal-errors.png"))

    # fixing a field and submitting again clears the old errors first
    errors.pop("to")
    await page.fill("#modal [data-action-id='number']", "212600000042")
    await page.click("#modal-submit")
    await expect(modal.locator(".bk-error")).to_have_count(1)
    await expect(modal.locator("[data-block-id='to'] .bk-error")).to_have_count(0)
    assert page.errors == []  # type: ignore[attr-defined]


async def test_reply_buttons_and_list_rows_of_interactive_messages_answer_in_the_thread(stack, page, artifacts):
    outcome = await stack.connect_number()
    pnid = outcome["numbers"][0]["phone_number_id"]
    await stack.http.post(f"{stack.meta_sim_url}/_sim/meta/inbound", json={
        "phone_number_id": pnid, "from": "212600000042", "name": "Amina", "type": "text", "text": "Hello"})
    waba = stack.meta.wabas[stack.meta.numbers[pnid].waba_id]
    token = next(t.value for t in stack.meta.tokens.values() if t.business_id == waba.business_id and not t.revoked)
    graph = f"{stack.meta_sim_url}/{stack.meta.config.api_version}/{pnid}/messages"
    for interactive in (
        {"type": "button", "body": {"text": "Can you come on Monday?"}, "action": {"buttons": [
            {"type": "reply", "reply": {"id": "yes", "title": "Yes, Monday"}},
            {"type": "reply", "reply": {"id": "no", "title": "No"}}]}},
        {"type": "list", "body": {"text": "Pick a shift"}, "action": {"button": "Shifts", "sections": [
            {"title": "This week", "rows": [{"id": "mon-night", "title": "Monday night"},
                                            {"id": "tue-day", "title": "Tuesday day"}]}]}},
    ):  # fmt: skip
        sent = await stack.http.post(graph, headers={"Authorization": f"Bearer {token}"}, json={
            "messaging_product": "whatsapp", "to": "212600000042", "type": "interactive", "interactive": interactive})
        assert sent.status_code == 200, sent.text
    await open_console(page, stack)
    theirs = page.locator("#chat li.theirs")
    await expect(theirs).to_have_count(2)
    await theirs.first.locator(".wa-button", has_text="Yes, Monday").click()
    await expect(page.locator("#chat li.mine")).to_have_count(2)
    await theirs.last.locator(".wa-button", has_text="Shifts").click()
    await theirs.last.locator(".wa-list-row", has_text="Tuesday day").click()
    await expect(page.locator("#chat li.mine")).to_have_count(3)
    replies = [m["message"]["interactive"] for m in stack.meta.inbound.values() if m["type"] == "interactive"]
    assert replies == [{"type": "button_reply", "button_reply": {"id": "yes", "title": "Yes, Monday"}},
                       {"type": "list_reply", "list_reply": {"id": "tue-day", "title": "Tuesday day"}}]
    await page.locator("#channel li.slack-msg").first.locator("button.replies").click()
    await expect(page.locator("#thread li.slack-msg", has_text="Yes, Monday")).to_have_count(1, timeout=20_000)
    await expect(page.locator("#thread li.slack-msg", has_text="Tuesday day")).to_have_count(1, timeout=20_000)
    await page.screenshot(path=str(artifacts / "15-interactive.png"))
    assert page.errors == []  # type: ignore[attr-defined]
