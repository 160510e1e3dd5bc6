"""A stopping outbox worker (a deploy, a scale-in, Ctrl-C) lets the Slack calls it has begun finish and gives back
every other lease at once: its items go on in the next worker right away, not after the 45-second lease, and a
call it had to cut off is reconciled before it is tried again, so nothing is posted twice."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from sqlalchemy import select

from storage.messaging_models import OutboxState, SlackOutboxItem
from tests.held_calls import held
from tests.inbound.test_message_types import replies

CANDIDATE = {"from": "447700900123", "name": "Ada Candidate"}


async def posts(inbound) -> list[SlackOutboxItem]:  # type: ignore[no-untyped-def]
    async with inbound.stack.services.database.session() as session:
        rows = (await session.execute(select(SlackOutboxItem).where(SlackOutboxItem.kind == "post")
                                      .order_by(SlackOutboxItem.id))).scalars().all()
    return list(rows)


async def one_write_in_hand(inbound, text: str) -> SlackOutboxItem:  # type: ignore[no-untyped-def]
    """The candidate's message queued, and the worker holding its lease."""
    await inbound.candidate_writes(**CANDIDATE, text=text)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        leased = [row for row in await posts(inbound) if row.locked_until is not None]
        if leased:
            return leased[-1]
        await asyncio.sleep(0.02)
    raise AssertionError(f"the worker never took the write; the outbox holds {await posts(inbound)!r}")


async def row(inbound, item_id: int) -> SlackOutboxItem:  # type: ignore[no-untyped-def]
    return next(r for r in await posts(inbound) if r.id == item_id)


def texts(messages: list[dict]) -> list[str]:
    return [m["text"] for m in replies(messages)]


async def test_a_write_still_waiting_for_its_turn_is_given_back_at_once(inbound):
    worker = inbound.stack.relay.inbound.outbox_worker
    real_reserve = worker.pacer.reserve
    worker.pacer.reserve = lambda *a, **k: 30.0  # type: ignore[method-assign]  (the channel is busy for a while)
    item = await one_write_in_hand(inbound, "Is the job still open?")

    await worker.stop()
    released = await row(inbound, item.id)
    assert released.locked_until is None and released.state == OutboxState.PENDING.value
    assert released.outcome_unknown is False, "it never called Slack: nothing to reconcile"
    assert released.attempts == 0, "a stop is not a failed attempt"

    worker.pacer.reserve = real_reserve  # type: ignore[method-assign]
    started = time.monotonic()
    worker.start()
    messages = await inbound.wait_for(lambda m: "Is the job still open?" in texts(m), within=10)
    assert time.monotonic() - started < 10, "the next worker did not wait for the old lease"
    assert texts(messages).count("Is the job still open?") == 1


async def test_a_write_already_talking_to_slack_is_allowed_to_finish(inbound):
    worker = inbound.stack.relay.inbound.outbox_worker
    worker.sender.send, calling, answer = held(worker.sender.send)  # type: ignore[method-assign]
    await inbound.candidate_writes(**CANDIDATE, text="Can I come on Monday?")
    await asyncio.wait_for(calling.wait(), 15)
    item = next(r for r in await posts(inbound) if r.locked_until is not None)

    stopping = asyncio.create_task(worker.stop())
    await asyncio.sleep(0.3)
    assert not stopping.done(), "the stop waits for the call it let begin"
    answer.set()
    await asyncio.wait_for(stopping, 10)

    finished = await row(inbound, item.id)
    assert finished.state == OutboxState.DONE.value and finished.result_ts
    assert texts(await inbound.channel_messages()).count("Can I come on Monday?") == 1


async def test_a_call_cut_off_by_the_stop_is_reconciled_not_posted_twice(inbound):
    worker = inbound.stack.relay.inbound.outbox_worker
    real_send = worker.sender.send
    hung = asyncio.Event()

    async def answer_lost(*args: Any) -> Any:
        await real_send(*args)  # Slack posts the message ...
        hung.set()
        await asyncio.Event().wait()  # ... and its answer never comes back

    worker.sender.send = answer_lost  # type: ignore[method-assign]
    await inbound.candidate_writes(**CANDIDATE, text="Here is my CV")
    await asyncio.wait_for(hung.wait(), 15)
    item = next(r for r in await posts(inbound) if r.locked_until is not None)

    await asyncio.wait_for(worker.stop(grace=0.5), 10)
    cut_off = await row(inbound, item.id)
    assert cut_off.state == OutboxState.PENDING.value and cut_off.locked_until is None
    assert cut_off.outcome_unknown is True, "the post may have landed: the next attempt looks first"

    worker.sender.send = real_send  # type: ignore[method-assign]
    worker.start()

    async def done() -> bool:
        return (await row(inbound, item.id)).state == OutboxState.DONE.value
    deadline = time.monotonic() + 15
    while not await done():
        assert time.monotonic() < deadline, await row(inbound, item.id)
        await asyncio.sleep(0.05)
    assert texts(await inbound.channel_messages()).count("Here is my CV") == 1

