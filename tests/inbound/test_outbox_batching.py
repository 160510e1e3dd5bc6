"""The outbox does its database work per claim and per commit, not per Slack write: finished writes share
commits, a claim reads every destination in one query, and a workspace's client is not looked up for each
write (measured fixes from bench.ingest). Order and exactly-once are the other tests' business."""

from __future__ import annotations

import asyncio
import json

from sqlalchemy import event

from relay.inbound.pacing import ChannelPacer
from storage.repositories.outbox import OutboxRepository
from tests.inbound.test_batches_and_duplicates import change, text_message
from tests.inbound.test_message_types import replies
from whatsapp.signature import sign

CANDIDATES = 12
EACH = 3


async def queue_writes(inbound) -> int:  # type: ignore[no-untyped-def]
    """With the outbox worker stopped, CANDIDATES × EACH messages go through the inbox into the outbox."""
    pipeline = inbound.stack.relay.inbound
    await pipeline.outbox_worker.stop()
    for sequence in range(EACH):
        for c in range(CANDIDATES):
            wa_id = f"44790000{c:04d}"
            payload = {"object": "whatsapp_business_account", "entry": [{"id": "W", "changes": [change(
                inbound.phone_number_id, [text_message(wa_id, f"wamid.OB{c}.{sequence}", f"c{c} m{sequence}",
                                                       1893456000 + sequence)], {wa_id: f"Candidate {c}"})]}]}
            body = json.dumps(payload).encode()
            answer = await inbound.stack.http.post(inbound.stack.webhook_url, content=body, headers={
                "X-Hub-Signature-256": sign(body, inbound.stack.secrets["app_secret"]),
                "Content-Type": "application/json"})
            assert answer.status_code == 200
    wanted = CANDIDATES * EACH
    for _ in range(400):
        async with inbound.stack.services.database.session() as session:
            if await OutboxRepository(session).pending_count() >= wanted:
                return wanted
        await asyncio.sleep(0.025)
    raise AssertionError("the inbox worker never queued the writes")


async def test_finished_writes_share_commits_and_each_claim_reads_its_destinations_once(inbound):
    wanted = await queue_writes(inbound)
    statements: list[str] = []

    def record(_conn, _cursor, statement, _params, _context, _executemany):  # type: ignore[no-untyped-def]
        statements.append(" ".join(statement.split()))

    engine = inbound.stack.services.database.engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        worker = inbound.stack.relay.inbound.outbox_worker
        worker.pacer = ChannelPacer(rate=None)  # one channel: Slack's pace would make this a minute long
        answer = await inbound.stack.http.post(f"{inbound.stack.slack_sim_url}/_sim/slack/settings",
                                               json={"rate_limits": False})  # ... and the simulator's too
        assert answer.status_code == 200, answer.text
        lookups: list[str] = []
        original = worker.lookup.client_for_team

        async def counted(team_id):  # type: ignore[no-untyped-def]
            lookups.append(team_id)
            return await original(team_id)

        worker.lookup.client_for_team = counted
        worker._stopping = False  # noqa: SLF001  (resume the worker stopped above)
        worker.start()
        await inbound.wait_for(lambda m: len(replies(m)) >= wanted)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    done = [s for s in statements if s.startswith("UPDATE slack_outbox SET state")]
    claims = [s for s in statements if s.startswith("UPDATE slack_outbox SET locked_until")]
    destinations = [s for s in statements if s.startswith("SELECT conversations.") and "JOIN phone_numbers" in s]
    assert 1 <= len(done) < wanted // 2, f"{len(done)} commits recorded {wanted} finished writes"
    assert len(destinations) <= len(claims) + 1, "destinations are read per claim, not per write"
    # (Slack's events about our own posts are authorized by Bolt on their own; only the outbox's reads count)
    assert len(lookups) <= 1, "the workspace's token is read once, not for every write"
