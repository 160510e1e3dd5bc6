"""A candidate's messages appear in one Slack thread of the number's channel: once, in order."""

from __future__ import annotations


def _threads(messages):  # type: ignore[no-untyped-def]
    parents = [m for m in messages if not m.get("thread_ts") or m.get("thread_ts") == m.get("ts")]
    replies = [m for m in messages if m.get("thread_ts") and m.get("thread_ts") != m.get("ts")]
    return parents, replies


async def test_first_message_opens_a_thread_and_later_ones_reply_in_it(inbound):
    ahmed = {"from": "212638167216", "name": "Ahmed Hassan"}
    await inbound.candidate_writes(**ahmed, text="Hello, is the job open?")
    await inbound.candidate_writes(**ahmed, text="I have 5 years <b>exp</b>")

    def both_in(messages):  # type: ignore[no-untyped-def]
        return len(_threads(messages)[1]) >= 2

    messages = await inbound.wait_for(both_in)
    parents, replies = _threads(messages)
    assert len(parents) == 1
    assert "Ahmed Hassan" in parents[0]["text"] and "+212" in parents[0]["text"]
    assert [r["text"] for r in replies] == ["Hello, is the job open?", "I have 5 years &lt;b&gt;exp&lt;/b&gt;"]
    assert all(r["thread_ts"] == parents[0]["ts"] for r in replies)
    assert replies[0].get("username") == "Ahmed Hassan"
