"""The 24-hour window on the thread parent: open until a time while the candidate's last message is fresh,
closed once it is not, and open again when they write."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlmodel import select

from relay.jobs import close_expired_windows
from storage.messaging_models import Conversation
from storage.models import utcnow
from tests.inbound.test_message_types import replies

CANDIDATE = {"from": "447700900888", "name": "Kim"}


def parent_of(messages):  # type: ignore[no-untyped-def]
    return next(m for m in messages if m.get("thread_ts") == m["ts"])


async def test_the_parent_shows_the_window_closing_and_reopening(inbound):
    await inbound.candidate_writes(**CANDIDATE, text="hello")
    messages = await inbound.wait_for(lambda m: len(replies(m)) >= 1)
    assert "Reply window open until" in str(parent_of(messages)["blocks"])

    services = inbound.stack.services
    async with services.database.session() as session:  # a day and an hour later
        conversation = (await session.exec(select(Conversation))).one()
        conversation.last_inbound_at = utcnow() - timedelta(hours=25)
        conversation.window_shown_until = utcnow() - timedelta(hours=1)
        session.add(conversation)
        await session.commit()
    assert await close_expired_windows(services) == 1
    assert await close_expired_windows(services) == 0  # another instance running the job adds nothing
    inbound.stack.relay.inbound.outbox_worker.wake()
    messages = await inbound.wait_for(lambda m: "Reply window closed" in str(parent_of(m)["blocks"]))
    # the update reaches Slack just before its outcome is committed (finished writes share commits)
    async with asyncio.timeout(5):
        while True:
            async with services.database.session() as session:
                if (await session.exec(select(Conversation))).one().window_shown_until is None:
                    break
            await asyncio.sleep(0.02)

    await inbound.candidate_writes(**CANDIDATE, text="I'm back")
    await inbound.wait_for(lambda m: "Reply window open until" in str(parent_of(m)["blocks"]))
