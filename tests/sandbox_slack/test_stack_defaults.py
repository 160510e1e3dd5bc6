"""The sandbox stack runs the Slack simulator like Slack: rate limits on, our manifest's subscriptions."""

from __future__ import annotations

from relay.manifest import load_manifest
from sandbox.slack import Realism
from sandbox.stack import running_stack, sandbox_slack_realism


def test_the_sandbox_realism_is_slacks_with_our_subscriptions():
    realism = sandbox_slack_realism()
    assert realism.rate_limits and realism.tiers and realism.retry_events
    assert realism.max_text_chars == 4000 and realism.file_share_delay_seconds > 0
    subscribed = load_manifest()["settings"]["event_subscriptions"]["bot_events"]
    assert realism.bot_events == tuple(subscribed)


async def test_the_stack_rate_limits_posts_by_default_and_benchmarks_can_switch_it_off(database_url):
    async with running_stack(database_url=database_url) as stack:
        token = stack.workspace.bot_token
        statuses = []
        for i in range(5):
            answer = await stack.http.post(
                f"{stack.slack_sim_url}/api/chat.postMessage",
                headers={"Authorization": f"Bearer {token}"},
                json={"channel": stack.workspace.public_channel_id, "text": f"m{i}"},
            )
            statuses.append(answer.status_code)
        assert statuses[:3] == [200, 200, 200] and 429 in statuses[3:]
        index = (await stack.http.get(f"{stack.slack_sim_url}/")).json()
        assert index["settings"]["rate_limits"] is True
    async with running_stack(database_url=database_url, slack_realism=Realism.off()) as stack:
        token = stack.workspace.bot_token
        for i in range(5):
            answer = await stack.http.post(
                f"{stack.slack_sim_url}/api/chat.postMessage",
                headers={"Authorization": f"Bearer {token}"},
                json={"channel": stack.workspace.public_channel_id, "text": f"m{i}"},
            )
            assert answer.status_code == 200
