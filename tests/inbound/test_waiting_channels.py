"""A channel archived (or the bot removed): messages wait, the Home tab and the connector say why, and once it
is fixed every waiting message is posted, in order."""

from __future__ import annotations

from tests.bot.conftest import SlackDriver
from tests.inbound.test_message_types import replies

CANDIDATE = {"from": "447700900555", "name": "Lee"}


async def test_archived_channel_holds_messages_until_unarchived(inbound):
    stack = inbound.stack
    await inbound.candidate_writes(**CANDIDATE, text="first")
    await inbound.wait_for(lambda m: len(replies(m)) >= 1)
    archive = await stack.http.post(f"{stack.slack_sim_url}/_sim/slack/channels/archive",
                                    json={"team_id": stack.workspace.team_id, "channel": inbound.channel_id})
    assert archive.status_code == 200, archive.text
    await inbound.candidate_writes(**CANDIDATE, text="second")
    await inbound.candidate_writes(**CANDIDATE, text="third")

    slack = SlackDriver(stack)
    admin = stack.workspace.admin_user_id

    def told() -> list[dict]:
        return [c for c in stack.slack.calls("chat.postMessage")
                if c["args"].get("channel") == admin and "cannot be posted" in c["args"].get("text", "")]

    import asyncio
    for _ in range(300):
        if told():
            break
        await asyncio.sleep(0.05)
    assert len(told()) == 1 and "archived" in told()[0]["args"]["text"]
    home = await slack.open_home(admin)
    assert "messages are waiting" in str(home["blocks"]) and "archived" in str(home["blocks"])

    await stack.http.post(f"{stack.slack_sim_url}/_sim/slack/channels/archive",
                          json={"team_id": stack.workspace.team_id, "channel": inbound.channel_id, "archived": False})
    messages = await inbound.wait_for(lambda m: len(replies(m)) >= 3, within=40)
    assert [r["text"] for r in replies(messages)] == ["first", "second", "third"]
    assert len(told()) == 1  # said once, however many messages waited
    home = await slack.open_home(admin)
    assert "messages are waiting" not in str(home["blocks"])
