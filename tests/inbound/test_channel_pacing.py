"""Paced writes stay under Slack's per-channel limit, thread parents included: new conversations bursting into
one channel meet no 429 (a measured fix from bench.ingest's burst, where each new thread's parent went out
unbooked and drew a 429 with a one-second Retry-After)."""

from __future__ import annotations

import json

from relay.inbound.pacing import ChannelPacer
from tests.inbound.test_batches_and_duplicates import change, text_message
from tests.inbound.test_message_types import replies
from whatsapp.signature import sign

RATE = 5.0  # the simulator's per-channel limit for this test (Slack's is about 1/s), with Slack's burst of 3


def test_a_write_that_starts_a_thread_books_two_slots_and_one_of_the_burst_is_kept_in_hand():
    now = [100.0]
    pacer = ChannelPacer(rate=1.0, burst=3, clock=lambda: now[0])
    assert pacer.reserve("C1", max_wait=5, writes=2) == 0.0  # parent and reply: two of Slack's three at once
    assert pacer.reserve("C1", max_wait=5) == 1.0  # the third is kept in hand: one a second from here
    assert pacer.reserve("C1", max_wait=5, writes=2) == 3.0  # its parent at +2, its reply at +3
    assert pacer.reserve("C1", max_wait=5) == 4.0
    assert pacer.reserve("C1", max_wait=3) is None  # booked too far ahead: given back


async def test_new_threads_bursting_into_one_channel_draw_no_429(inbound):
    answer = await inbound.stack.http.post(f"{inbound.stack.slack_sim_url}/_sim/slack/rate_limits", json={
        "enabled": True, "per_channel_per_second": RATE, "burst": 3})
    assert answer.status_code == 200
    inbound.stack.relay.inbound.outbox_worker.pacer = ChannelPacer(rate=RATE, burst=3)
    candidates, each = 5, 2
    for sequence in range(each):
        for c in range(candidates):
            wa_id = f"44792000{c:04d}"
            payload = {"object": "whatsapp_business_account", "entry": [{"id": "W", "changes": [change(
                inbound.phone_number_id, [text_message(wa_id, f"wamid.P{c}.{sequence}", f"c{c} m{sequence}",
                                                       1893456000 + sequence)], {wa_id: f"Candidate {c}"})]}]}
            body = json.dumps(payload).encode()
            stored = await inbound.stack.http.post(inbound.stack.webhook_url, content=body, headers={
                "X-Hub-Signature-256": sign(body, inbound.stack.secrets["app_secret"]),
                "Content-Type": "application/json"})
            assert stored.status_code == 200
    shown = await inbound.wait_for(lambda m: len(replies(m)) >= candidates * each, within=30)
    for c in range(candidates):
        assert [r["text"] for r in replies(shown) if r["text"].startswith(f"c{c} ")] == [f"c{c} m0", f"c{c} m1"]
    posts = await inbound.stack.slack_calls("chat.postMessage")
    assert [p for p in posts if p["status"] == 429] == []
