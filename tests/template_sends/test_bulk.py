"""Bulk /template sends: one summary in the number's channel with counts and each failure's reason, and sends
paced within the number's throughput so Meta never answers 130429."""

from __future__ import annotations

import asyncio
from collections import Counter

from sqlalchemy import select
from sqlmodel import col

from relay.template_sends.request import Recipient
from storage.messaging_models import SlackOutboxItem
from tests.template_sends.conftest import NEW_NUMBER, eventually

NOT_ON_WHATSAPP = "4915199999999"


async def test_a_bulk_send_posts_one_summary_with_each_failure_and_its_reason(templates):
    await templates.meta("recipient_faults", wa_id=NOT_ON_WHATSAPP, error_code=131026)  # accepted, then failed
    result = await templates.submit(templates.request(
        Recipient(wa_id=NEW_NUMBER), Recipient(wa_id=NOT_ON_WHATSAPP), Recipient(wa_id="123"),
        Recipient(wa_id=NEW_NUMBER), key="view:BULK"))
    assert result.accepted == 3  # the same number twice is sent once
    await templates.settled(3)
    summary = await templates.in_channel("recipients:")
    assert "to 3 recipients: *1 sent*, *2 failed*" in summary["text"]
    assert "+49 1519 9999999" in summary["text"] and "not on WhatsApp" in summary["text"]  # ERROR_ADVICE 131026
    assert "123" in summary["text"] and "Meta error 100" in summary["text"]
    rows = await templates.recipients()  # the later failed status made its row failed
    assert Counter(r.state for r in rows) == {"sent": 1, "failed": 2}
    await asyncio.sleep(1.5)
    summaries = [m for m in await templates.channel_messages() if "recipients:" in m.get("text", "")]
    assert len(summaries) == 1
    threads = {m["thread_ts"] for m in await templates.channel_messages() if m.get("thread_ts")}
    assert len(threads) == 2  # the two numbers Meta accepted each opened their thread


async def test_two_hundred_recipients_are_paced_so_meta_never_answers_130429(templates):
    recipients = [Recipient(wa_id=f"4915100{i:06d}") for i in range(200)]
    result = await templates.submit(templates.request(*recipients, key="view:PACED"))
    assert result.accepted == 200
    await templates.settled(200, within=120)
    sent = await templates.sent()
    assert len(sent) == 200 and len({m["wa_id"] for m in sent}) == 200  # each once
    assert (await templates.refused_by_meta()).get("130429", 0) == 0

    async def summarised() -> str | None:  # queued behind 400 thread writes at Slack's pace of ~1/s per channel
        async with templates.stack.services.database.session() as session:
            item = (await session.execute(select(SlackOutboxItem).where(
                col(SlackOutboxItem.dedupe_key).like("template-batch:%")))).scalars().first()
        return item.args if item else None
    assert "*200 sent*, *0 failed*" in await eventually(summarised, within=90, what="the summary")
