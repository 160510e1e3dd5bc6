"""A stopping reply worker (a deploy, a scale-in) lets a WhatsApp send it has begun finish: Meta cannot be asked
whether a send landed, so cutting it off would leave the reply's fate unknown."""

from __future__ import annotations

import asyncio

from tests.held_calls import held


async def test_a_stopping_reply_worker_lets_a_whatsapp_send_in_flight_finish(outbound):
    worker = outbound.stack.relay.outbound.worker
    worker.delivery.send, calling, answer = held(worker.delivery.send)  # type: ignore[method-assign]
    await outbound.reply("See you on Monday")
    await asyncio.wait_for(calling.wait(), 15)
    stopping = asyncio.create_task(worker.stop())
    await asyncio.sleep(0.3)
    assert not stopping.done(), "the stop waits for the send it let begin"
    answer.set()
    await asyncio.wait_for(stopping, 10)
    rows = await outbound.rows()
    assert [r.state for r in rows] == ["sent"], rows
    texts = [m["text"]["body"] for m in outbound.stack.meta.messages if m.get("type") == "text"]
    assert texts.count("See you on Monday") == 1
