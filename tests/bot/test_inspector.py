"""The webhook inspector: admins see their numbers' recent webhooks with personal data masked; others don't."""

from __future__ import annotations

import json

from bot.home_state import ACTION_INSPECTOR
from bot.inspector import redact
from tests.bot.conftest import controls, eventually

SECRET_WORDS = "my salary expectation is 4200"


async def test_admin_opens_the_inspector_and_sees_masked_webhooks(stack, slack):
    connected = await stack.connect_number()
    number = connected["numbers"][0]
    sent = await stack.http.post(f"{stack.meta_sim_url}/_sim/meta/inbound", json={
        "phone_number_id": number["phone_number_id"], "from": "447700900777", "name": "Zoe Secret",
        "type": "text", "text": SECRET_WORDS})
    assert sent.status_code == 200

    async def processed():  # type: ignore[no-untyped-def]
        messages = (await stack.http.get(f"{stack.slack_sim_url}/_sim/slack/messages",
                                         params={"channel": number["channel_id"]})).json()
        return any(m.get("text") == SECRET_WORDS for m in messages)

    await eventually(processed, within=15, what="the message in Slack")
    admin = stack.workspace.admin_user_id
    home = await slack.open_home(admin)
    assert ACTION_INSPECTOR in controls(home)
    await slack.press(admin, ACTION_INSPECTOR, block_id="connect")
    opened = await eventually(lambda: stack.slack.calls("views.open"), what="the inspector modal")
    view = opened[-1]["args"]["view"]
    view = json.loads(view) if isinstance(view, str) else view
    text = json.dumps(view, ensure_ascii=False)
    assert "messages" in text and "queued" in text
    assert SECRET_WORDS not in text and "Zoe Secret" not in text and "447700900777" not in text
    assert opened[-1]["response"]["ok"], opened[-1]


async def test_members_see_no_inspector_and_a_forged_press_opens_nothing(stack, slack):
    await stack.connect_number()
    member = stack.workspace.member_user_id
    home = await slack.open_home(member)
    assert ACTION_INSPECTOR not in controls(home)
    await slack.press(member, ACTION_INSPECTOR, block_id="connect")
    import asyncio
    await asyncio.sleep(0.5)
    assert stack.slack.calls("views.open") == []


def test_redaction_keeps_structure_and_ids_but_not_personal_values():
    payload = {"entry": [{"id": "WABA1", "changes": [{"field": "messages", "value": {
        "metadata": {"phone_number_id": "123", "display_phone_number": "15550001111"},
        "contacts": [{"profile": {"name": "Ann"}, "wa_id": "4477"}],
        "messages": [{"from": "4477", "id": "wamid.X", "type": "text", "text": {"body": "hello"}}]}}]}]}
    masked = json.dumps(redact(payload))
    for personal in ("Ann", "4477", "hello", "15550001111"):
        assert personal not in masked
    for kept in ("WABA1", "123", "wamid.X", "messages", "text"):
        assert kept in masked
