"""Slack answering 429 and 5xx: the outbox waits and retries, and nothing is lost or posted twice."""

from __future__ import annotations

from tests.inbound.test_message_types import replies

CANDIDATE = {"from": "5511987654321", "name": "João Silva"}


async def fault(inbound, **body):  # type: ignore[no-untyped-def]
    response = await inbound.stack.http.post(f"{inbound.stack.slack_sim_url}/_sim/slack/faults", json=body)
    assert response.status_code == 200, response.text


async def test_rate_limits_are_waited_out_in_order(inbound):
    await fault(inbound, method="chat.postMessage", status=429, retry_after=1, count=3)
    for i in range(4):
        await inbound.candidate_writes(**CANDIDATE, text=f"message {i}")
    messages = await inbound.wait_for(lambda m: len(replies(m)) >= 4, within=30)
    assert [r["text"] for r in replies(messages)] == [f"message {i}" for i in range(4)]


async def test_server_errors_are_retried_without_duplicates(inbound):
    await fault(inbound, method="chat.postMessage", status=500, count=2)
    for i in range(3):
        await inbound.candidate_writes(**CANDIDATE, text=f"try {i}")
    messages = await inbound.wait_for(lambda m: len(replies(m)) >= 3, within=30)
    parents = [m for m in messages if m.get("thread_ts") in (None, m["ts"])]
    assert len(parents) == 1
    assert [r["text"] for r in replies(messages)] == [f"try {i}" for i in range(3)]
