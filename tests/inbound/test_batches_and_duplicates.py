"""Meta batches, retries and duplicates: every message of every entry and change, each posted once."""

from __future__ import annotations

import asyncio

from sqlmodel import select

from storage.messaging_models import InboxState, MessageStatus, WebhookInbox
from tests.inbound.test_message_types import replies


def text_message(sender: str, wamid: str, body: str, at: int) -> dict:
    return {"from": sender, "id": wamid, "timestamp": str(at), "type": "text", "text": {"body": body}}


def change(phone_number_id: str, messages: list[dict], names: dict[str, str]) -> dict:
    return {"field": "messages", "value": {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550001111", "phone_number_id": phone_number_id},
        "contacts": [{"profile": {"name": name}, "wa_id": wa_id} for wa_id, name in names.items()],
        "messages": messages}}


async def inbox_rows(inbound) -> list[WebhookInbox]:  # type: ignore[no-untyped-def]
    async with inbound.stack.services.database.session() as session:
        return list((await session.exec(select(WebhookInbox).order_by(WebhookInbox.id))).all())


async def test_every_entry_change_and_message_of_a_batch_is_mirrored(inbound):
    pnid = inbound.phone_number_id
    payload = {"object": "whatsapp_business_account", "entry": [
        {"id": "WABA", "changes": [
            change(pnid, [text_message("111", "wamid.B1", "one", 1893456001),
                          text_message("222", "wamid.B2", "two", 1893456002)], {"111": "Ana", "222": "Bo"}),
            change("999999999", [text_message("333", "wamid.B3", "for a number we do not hold", 1893456003)],
                   {"333": "Cy"}),
        ]},
        {"id": "WABA", "changes": [change(pnid, [text_message("111", "wamid.B4", "three", 1893456004)],
                                          {"111": "Ana"})]},
    ]}
    await inbound.post_raw(payload)
    messages = await inbound.wait_for(lambda m: len(replies(m)) >= 3)
    parents = [m for m in messages if m.get("thread_ts") in (None, m["ts"])]
    assert sorted(p["text"].split(" · ")[0] for p in parents) == ["💬 *Ana*", "💬 *Bo*"]
    assert sorted(r["text"] for r in replies(messages)) == ["one", "three", "two"]
    rows = await inbox_rows(inbound)
    outcome = rows[-1].outcome or ""
    assert "999999999 is not connected: recorded, not relayed" in outcome
    assert "for a number we do not hold" not in str(messages)


async def test_retried_and_duplicated_deliveries_post_once(inbound):
    payload = {"object": "whatsapp_business_account", "entry": [{"id": "WABA", "changes": [
        change(inbound.phone_number_id, [text_message("444", "wamid.D1", "only once", 1893456001)], {"444": "Di"})
    ]}]}
    for _ in range(3):  # Meta retries and duplicates: the same bytes, again and again
        await inbound.post_raw(payload)
    # and the same message inside another batch
    payload2 = {"object": "whatsapp_business_account", "entry": [{"id": "WABA", "changes": [
        change(inbound.phone_number_id, [text_message("444", "wamid.D1", "only once", 1893456001),
                                         text_message("444", "wamid.D2", "and this", 1893456002)], {"444": "Di"})
    ]}]}
    await inbound.post_raw(payload2)
    messages = await inbound.wait_for(lambda m: len(replies(m)) >= 2)
    await asyncio.sleep(0.5)  # a duplicate would have been posted by now
    messages = await inbound.channel_messages()
    assert [r["text"] for r in replies(messages)] == ["only once", "and this"]
    assert all(row.state == InboxState.DONE.value for row in await inbox_rows(inbound))


async def test_statuses_are_recorded_once_per_wamid_and_status(inbound):
    statuses = [{"id": "wamid.OUT1", "status": s, "timestamp": "1893456001", "recipient_id": "555"}
                for s in ("sent", "delivered", "delivered", "read")]
    payload = {"object": "whatsapp_business_account", "entry": [{"id": "WABA", "changes": [{
        "field": "messages", "value": {
            "messaging_product": "whatsapp", "statuses": statuses,
            "metadata": {"display_phone_number": "1", "phone_number_id": inbound.phone_number_id}}}]}]}
    await inbound.post_raw(payload)
    await inbound.post_raw(payload)
    for _ in range(100):
        rows = await inbox_rows(inbound)
        if len(rows) == 2 and all(r.state == InboxState.DONE.value for r in rows):
            break
        await asyncio.sleep(0.05)
    query = select(MessageStatus.status).where(MessageStatus.wamid == "wamid.OUT1")
    async with inbound.stack.services.database.session() as session:
        stored = list((await session.exec(query)).all())
    assert sorted(stored) == ["delivered", "read", "sent"]
