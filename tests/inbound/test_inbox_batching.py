"""The inbox worker processes stored webhooks a transaction of several at a time (a measured fix from
bench.ingest): routes and conversations are read per transaction, not per message, and a webhook that fails
costs only itself an attempt, never the others of its transaction."""

from __future__ import annotations

import asyncio
import json

from sqlalchemy import event, select

from relay.inbound import workers
from relay.inbound.pacing import ChannelPacer
from relay.inbound.processing import WebhookProcessor
from storage.messaging_models import InboxState, WebhookInbox
from tests.inbound.test_batches_and_duplicates import change, text_message
from tests.inbound.test_message_types import replies
from whatsapp.signature import sign

CANDIDATES = 20


async def store_webhooks(inbound, count: int = CANDIDATES) -> None:  # type: ignore[no-untyped-def]
    """``count`` one-message webhooks from as many candidates, stored while the inbox worker is stopped."""
    await inbound.stack.relay.inbound.inbox_worker.stop()
    inbound.stack.relay.inbound.outbox_worker.pacer = ChannelPacer(rate=None)  # one channel: no minute-long waits
    for c in range(count):
        wa_id = f"44791000{c:04d}"
        payload = {"object": "whatsapp_business_account", "entry": [{"id": "W", "changes": [change(
            inbound.phone_number_id, [text_message(wa_id, f"wamid.IB{c}", f"hello {c}", 1893456000)],
            {wa_id: f"Candidate {c}"})]}]}
        body = json.dumps(payload).encode()
        answer = await inbound.stack.http.post(inbound.stack.webhook_url, content=body, headers={
            "X-Hub-Signature-256": sign(body, inbound.stack.secrets["app_secret"]), "Content-Type": "application/json"})
        assert answer.status_code == 200


async def inbox_rows(inbound) -> list[WebhookInbox]:  # type: ignore[no-untyped-def]
    async with inbound.stack.services.database.session() as session:
        return list((await session.execute(select(WebhookInbox).order_by(WebhookInbox.id))).scalars())


async def test_a_batch_reads_routes_and_conversations_per_transaction_not_per_message(inbound):
    await store_webhooks(inbound)
    statements: list[str] = []

    def record(_conn, _cursor, statement, _params, _context, _executemany):  # type: ignore[no-untyped-def]
        statements.append(" ".join(statement.split()))

    engine = inbound.stack.services.database.engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        await inbound.stack.relay.inbound.inbox_worker.step()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    routes = [s for s in statements if s.startswith("SELECT phone_numbers.")]
    lookups = [s for s in statements if s.startswith("SELECT conversations.") and " JOIN " not in s]  # not the outbox's
    transactions = -(-CANDIDATES // workers.TRANSACTION_ROWS)
    assert len(routes) == transactions, f"{len(routes)} route queries for {CANDIDATES} webhooks"
    assert len(lookups) <= transactions + CANDIDATES  # new candidates: one look after each is created
    assert all(row.state == InboxState.DONE.value for row in await inbox_rows(inbound))


async def test_a_failing_webhook_costs_only_itself_an_attempt(inbound, monkeypatch):
    await store_webhooks(inbound, 6)
    rows = await inbox_rows(inbound)
    bad = rows[2].id
    handle = WebhookProcessor.handle

    async def failing(self, changes):  # type: ignore[no-untyped-def]
        if self.inbox_id == bad:
            raise RuntimeError("a bug in one handler")
        return await handle(self, changes)

    monkeypatch.setattr(WebhookProcessor, "handle", failing)
    await inbound.stack.relay.inbound.inbox_worker.step()
    after = {row.id: row for row in await inbox_rows(inbound)}
    assert after[bad].state == InboxState.PENDING.value and after[bad].attempts == 1
    assert "a bug in one handler" in (after[bad].error or "")
    assert all(row.state == InboxState.DONE.value and row.attempts == 0 for i, row in after.items() if i != bad)
    shown = await inbound.wait_for(lambda m: len(replies(m)) >= 5)
    assert sorted(r["text"] for r in replies(shown)) == [f"hello {c}" for c in (0, 1, 3, 4, 5)]


async def test_a_group_commit_of_many_acks_is_one_insert(inbound):
    statements: list[str] = []

    def record(_conn, _cursor, statement, _params, _context, _executemany):  # type: ignore[no-untyped-def]
        statements.append(" ".join(statement.split()))

    await inbound.stack.relay.inbound.inbox_worker.stop()
    engine = inbound.stack.services.database.engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        writer = inbound.stack.relay.inbound.writer
        await asyncio.gather(*(writer.store(b'{"n": %d}' % i) for i in range(64)))
    finally:
        event.remove(engine, "before_cursor_execute", record)
    inserts = [s for s in statements if s.startswith("INSERT INTO webhook_inbox")]
    assert 1 <= len(inserts) <= 2, f"{len(inserts)} INSERTs for 64 bodies"  # the first body's, then the rest
    assert sorted(row.body for row in await inbox_rows(inbound)) == sorted(b'{"n": %d}' % i for i in range(64))
