"""The inbox worker processes stored webhooks a transaction of several at a time (a measured fix from
bench.ingest): routes and conversations are read per transaction, not per message, and a webhook that fails
costs only itself an attempt, never the others of its transaction."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

from sqlalchemy import event, select, update
from sqlmodel import col

from relay.inbound import inbox_worker
from relay.inbound.pacing import ChannelPacer
from relay.inbound.processing import WebhookProcessor
from storage.messaging_models import InboxState, WebhookInbox
from storage.models import utcnow
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
    transactions = -(-CANDIDATES // inbox_worker.TRANSACTION_ROWS)
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


async def store_conversation(inbound, messages: list[tuple[str, str]]) -> None:  # type: ignore[no-untyped-def]
    """One webhook per (wa_id, text), stored in this order while the inbox worker is stopped."""
    await inbound.stack.relay.inbound.inbox_worker.stop()
    inbound.stack.relay.inbound.outbox_worker.pacer = ChannelPacer(rate=None)
    for i, (wa_id, text) in enumerate(messages):
        payload = {"object": "whatsapp_business_account", "entry": [{"id": "W", "changes": [change(
            inbound.phone_number_id, [text_message(wa_id, f"wamid.HOLD{i}", text, 1893456000 + i)],
            {wa_id: f"Candidate {wa_id[-2:]}"})]}]}
        body = json.dumps(payload).encode()
        answer = await inbound.stack.http.post(inbound.stack.webhook_url, content=body, headers={
            "X-Hub-Signature-256": sign(body, inbound.stack.secrets["app_secret"]), "Content-Type": "application/json"})
        assert answer.status_code == 200


def fail_for(monkeypatch, bad: set[int]) -> None:  # type: ignore[no-untyped-def]
    """Processing the webhooks in ``bad`` raises (a bug, a lost connection) until they are taken out of it."""
    handle = WebhookProcessor.handle

    async def failing(self, changes):  # type: ignore[no-untyped-def]
        if self.inbox_id in bad:
            raise RuntimeError("the database went away")
        return await handle(self, changes)

    monkeypatch.setattr(WebhookProcessor, "handle", failing)


async def steps_until(inbound, done) -> list[WebhookInbox]:  # type: ignore[no-untyped-def]
    """Run the inbox worker until ``done(rows)``; the rows."""
    worker = inbound.stack.relay.inbound.inbox_worker
    for _ in range(100):
        await worker.step()
        rows = await inbox_rows(inbound)
        if done(rows):
            return rows
        await asyncio.sleep(0.1)
    raise AssertionError(f"never done: {[(r.id, r.state, r.error) for r in rows]}")


async def make_due(inbound, inbox_id: int) -> None:  # type: ignore[no-untyped-def]
    async with inbound.stack.services.database.session() as session:
        row = await session.get(WebhookInbox, inbox_id)
        row.next_attempt_at = utcnow()
        session.add(row)
        await session.commit()


async def test_a_failed_webhook_holds_its_candidate_so_their_messages_stay_in_order(inbound, monkeypatch):
    ahmed, priya = "447910000001", "447910000002"
    await store_conversation(inbound, [(ahmed, "a1"), (ahmed, "a2"), (priya, "p1"), (ahmed, "a3"), (priya, "p2")])
    ids = [row.id for row in await inbox_rows(inbound)]
    bad = {ids[1]}
    fail_for(monkeypatch, bad)
    await inbound.stack.relay.inbound.inbox_worker.step()
    rows = {row.id: row for row in await inbox_rows(inbound)}
    assert rows[ids[1]].state == InboxState.PENDING.value and rows[ids[1]].attempts == 1
    assert rows[ids[1]].holds == f"{inbound.phone_number_id}:{ahmed}"
    waiting = rows[ids[3]]  # Ahmed's next message waits behind the failed one, no attempt counted
    assert waiting.state == InboxState.PENDING.value and waiting.attempts == 0
    assert f"waits for webhook {ids[1]}" in (waiting.error or "")
    assert waiting.next_attempt_at > rows[ids[1]].next_attempt_at
    assert all(rows[i].state == InboxState.DONE.value for i in (ids[0], ids[2], ids[4]))  # Priya is not held up
    shown = await inbound.wait_for(lambda m: len(replies(m)) >= 3)
    assert sorted(r["text"] for r in replies(shown)) == ["a1", "p1", "p2"]

    bad.clear()  # the database is back; the retry comes round
    await make_due(inbound, ids[1])
    rows_after = await steps_until(inbound, lambda rs: all(r.state == InboxState.DONE.value for r in rs))
    assert all(r.holds is None for r in rows_after)
    shown = await inbound.wait_for(lambda m: len(replies(m)) >= 5)
    assert [r["text"] for r in replies(shown) if r["text"].startswith("a")] == ["a1", "a2", "a3"]


async def test_a_webhook_parked_as_dead_releases_its_candidate(inbound, monkeypatch):
    ahmed = "447910000001"
    await store_conversation(inbound, [(ahmed, "a1"), (ahmed, "a2"), (ahmed, "a3")])
    ids = [row.id for row in await inbox_rows(inbound)]
    fail_for(monkeypatch, {ids[1]})
    async with inbound.stack.services.database.session() as session:  # its last attempt
        row = await session.get(WebhookInbox, ids[1])
        row.attempts = inbox_worker.MAX_ATTEMPTS - 1
        session.add(row)
        await session.commit()
    rows = await steps_until(inbound, lambda rs: rs[2].state == InboxState.DONE.value)
    assert rows[1].state == InboxState.DEAD.value and rows[1].holds is None and "went away" in (rows[1].error or "")
    shown = await inbound.wait_for(lambda m: len(replies(m)) >= 2)
    assert [r["text"] for r in replies(shown)] == ["a1", "a3"]


async def lease(inbound, inbox_id: int, until) -> None:  # type: ignore[no-untyped-def]
    """``inbox_id`` leased (by another process, maybe one that died) until ``until``; None ends the lease."""
    async with inbound.stack.services.database.session() as session:
        await session.execute(update(WebhookInbox).where(col(WebhookInbox.id) == inbox_id).values(
            locked_until=until))
        await session.commit()


async def test_a_webhook_waits_while_another_worker_holds_an_older_one_of_its_candidate(inbound):
    """Another process leased Ahmed's first webhook (and may have died with it: its lease then runs out). His
    next one waits behind it, Priya's goes on; when the lease ends, both of Ahmed's follow in order. Seen on CI:
    after a SIGKILL, a claim the moment before the dead process's leases ran out took the newer webhooks alone."""
    ahmed, priya = "447910000001", "447910000002"
    await store_conversation(inbound, [(ahmed, "a1"), (priya, "p1"), (ahmed, "a2")])
    ids = [row.id for row in await inbox_rows(inbound)]
    await lease(inbound, ids[0], utcnow() + timedelta(seconds=60))
    await inbound.stack.relay.inbound.inbox_worker.step()
    rows = {row.id: row for row in await inbox_rows(inbound)}
    assert rows[ids[1]].state == InboxState.DONE.value  # Priya is not held up
    waiting = rows[ids[2]]
    assert waiting.state == InboxState.PENDING.value and waiting.attempts == 0
    assert f"waits for webhook {ids[0]} (the same candidate), which is not processed yet" in (waiting.error or "")
    assert rows[ids[0]].state == InboxState.PENDING.value and rows[ids[0]].attempts == 0

    await lease(inbound, ids[0], None)  # the lease ran out
    await steps_until(inbound, lambda rs: all(r.state == InboxState.DONE.value for r in rs))
    shown = await inbound.wait_for(lambda m: len(replies(m)) >= 3)
    assert [r["text"] for r in replies(shown) if r["text"].startswith("a")] == ["a1", "a2"]


async def test_two_workers_sharing_the_inbox_keep_each_candidates_order(inbound):
    """Two processes' workers claim small batches at once: each candidate's messages still reach Slack in the
    order they were written (PostgreSQL's SKIP LOCKED gives each worker its own rows, not its own candidates)."""
    candidates = [f"4479100000{c:02d}" for c in range(4)]
    await store_conversation(inbound, [(wa_id, f"c{c} m{i}") for i in range(5) for c, wa_id in enumerate(candidates)])
    database = inbound.stack.services.database
    workers = [inbox_worker.InboxWorker(database, batch=5) for _ in range(2)]

    async def drain(worker: inbox_worker.InboxWorker) -> None:
        for _ in range(200):
            if all(r.state == InboxState.DONE.value for r in await inbox_rows(inbound)):
                return
            if not await worker.step():
                await asyncio.sleep(0.05)
        raise AssertionError("the inbox never drained")

    await asyncio.gather(*(drain(w) for w in workers))
    inbound.stack.relay.inbound.outbox_worker.wake()
    shown = await inbound.wait_for(lambda m: len(replies(m)) >= 20, within=60)
    texts = [r["text"] for r in replies(shown)]
    for c in range(len(candidates)):
        assert [t for t in texts if t.startswith(f"c{c} ")] == [f"c{c} m{i}" for i in range(5)], texts
