"""The template send worker: leases due recipients and sends each its template, many at once, paced per number
(``SendPacer``). Exactly once toward the candidate: a row is leased as ``sending`` (at most two seconds of the
pace ahead of its Graph call) and the call carries ``template:<row id>``, so a lost answer is confirmed by the status
naming it (relay/template_sends/reconcile.py) or reported after a wait, never sent again. Rate limits and transient
errors that Meta answered (nothing was sent) are retried with backoff; other refusals fail the row with what
Meta's code means. A batch whose recipients have all settled gets its summary (relay/template_sends/notices.py).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from bot import template_send_wording as words
from relay.inbound.group_commit import GroupCommit
from relay.inbound.workers import LaneWorkerLoop, backoff
from relay.inbound.write_turns import WriteTurns
from relay.outbound.worker import MAX_ATTEMPTS, throttle_delay
from relay.template_sends.notices import queue_outcome
from relay.template_sends.pacing import SendPacer
from relay.template_sends.reconcile import callback_data, record_sent
from storage.cipher import TokenCipher
from storage.database import Database
from storage.models import AccountStatus, PhoneNumber, WhatsAppAccount, utcnow
from storage.repositories.template_sends import TemplateSendRepository
from storage.template_send_models import RecipientState, TemplateSendBatch, TemplateSendRecipient
from whatsapp.errors import GraphError, OutcomeUnknownError, ThrottledError
from whatsapp.graph import GraphClient

log = logging.getLogger("waslack.template_sends")

LEASE = timedelta(seconds=120)  # longer than a send with the Graph client's own retries
CONTEXT_SECONDS = 30.0  # how long a batch's number and token are reused without looking again
SWEEP_SECONDS = 1.0  # how often settled batches are looked for
# recipients are leased (as sending) for at most this much of the pace ahead: enough to hide a slow claim (the
# write turn on SQLite) behind the sends already booked; a crash reports at most this many as unknown
LOOKAHEAD_SECONDS = 2.0
# a bulk summary waits this long after the last send for failed statuses (an accepted send may fail later)
SUMMARY_QUIET = timedelta(seconds=60)


@dataclass(frozen=True)
class Accepted:
    """A send Meta accepted, to be recorded."""

    row: TemplateSendRecipient
    batch: TemplateSendBatch
    wamid: str
    wa_id: str | None


@dataclass(frozen=True)
class BatchContext:
    batch: TemplateSendBatch
    phone_number_id: str
    token: str


class TemplateSendWorker(LaneWorkerLoop):
    """Carries out recorded template sends; ``on_slack_queued`` wakes the Slack outbox worker."""

    def __init__(self, database: Database, cipher: TokenCipher, graph: GraphClient, *, per_second: float,
                 unknown_outcome_wait: timedelta, on_slack_queued: Callable[[], None] | None = None,
                 turns: WriteTurns | None = None, lanes: int = 256, summary_quiet: timedelta = SUMMARY_QUIET):
        super().__init__("template-send-worker", lanes)
        self.database, self.cipher, self.graph = database, cipher, graph
        self.pacer = SendPacer(per_second)
        self.unknown_outcome_wait, self.on_slack_queued = unknown_outcome_wait, on_slack_queued
        self.turns = turns or WriteTurns(database)
        self.summary_quiet = summary_quiet
        self.lookahead = max(1, int(per_second * LOOKAHEAD_SECONDS))  # rows per claim
        # sends recorded share commits: many recipients per transaction
        self._records: GroupCommit[Accepted, bool] = GroupCommit("template sends", self.turns, self._write_records,
                                                                 after_commit=self._queued)
        self._contexts: dict[int, tuple[float, BatchContext | str]] = {}
        self._swept = 0.0

    async def step(self) -> bool:
        if time.monotonic() - self._swept >= SWEEP_SECONDS:
            self._swept = time.monotonic()
            await self.settle_batches()
        free = min(self.free_lanes(), self.lookahead)
        if free <= 0 or self.pacer.backlog() > LOOKAHEAD_SECONDS:  # enough is leased for the seconds ahead
            await asyncio.sleep(0.05) if not self._running else await asyncio.wait(
                self._running, timeout=0.05, return_when=asyncio.FIRST_COMPLETED)
            return True
        async with self.turns.session() as session:
            rows, stale = await TemplateSendRepository(session).claim_due(
                free, LEASE, sending_until=utcnow() + self.unknown_outcome_wait)
            await session.commit()
        for row in rows:
            self.spawn(self.run_recipient(row, expired=row.id in stale))
        # nothing due: the loop sleeps until a send is submitted or a running one finishes (both wake it)
        return bool(rows)

    async def _context(self, batch_id: int) -> BatchContext | str:
        """The batch's number and business token, or why it cannot send (looked up every CONTEXT_SECONDS)."""
        cached = self._contexts.get(batch_id)
        if cached is not None and time.monotonic() - cached[0] < CONTEXT_SECONDS:
            return cached[1]
        async with self.database.session() as session:
            batch = await TemplateSendRepository(session).batch(batch_id)
            number = await session.get(PhoneNumber, batch.phone_number_row_id) if batch and \
                batch.phone_number_row_id else None
            account = await session.get(WhatsAppAccount, number.account_id) if number else None
        context: BatchContext | str
        if batch is None or number is None or account is None or number.released_at is not None:
            context = words.NUMBER_NOT_SENDING
        elif account.status != AccountStatus.ACTIVE.value or not number.enabled:
            context = words.NUMBER_NOT_SENDING
        elif not account.business_token_encrypted:
            context = words.NO_TOKEN
        else:
            context = BatchContext(batch, number.phone_number_id, self.cipher.decrypt(account.business_token_encrypted))
        if len(self._contexts) > 1000:
            self._contexts.clear()
        self._contexts[batch_id] = (time.monotonic(), context)
        return context

    async def run_recipient(self, row: TemplateSendRecipient, *, expired: bool = False) -> None:
        """Send to one leased recipient (leased as ``sending``); ``expired``: its send began long ago and
        neither an answer nor a status came."""
        assert row.id is not None
        if expired:
            minutes = max(1, round(self.unknown_outcome_wait.total_seconds() / 60))
            await self._fail(row, words.outcome_unknown(minutes), state=RecipientState.FAILED_UNKNOWN)
            return
        context = await self._context(row.batch_id)
        if isinstance(context, str):
            await self._fail(row, context)
            return
        to = row.wa_id
        if not to:
            await self._fail(row, words.NO_ADDRESS)
            return
        pair_wait = self.pacer.pair_wait(context.phone_number_id, to)
        if pair_wait > 0:  # sent to them a moment ago (another batch): their turn comes after the pair rate
            await self._retry(row, "waiting for the pair rate", delay=pair_wait, count=False)
            return
        await self.pacer.wait_turn(context.phone_number_id)
        batch = context.batch
        components = json.loads(row.components if row.components is not None else batch.components)
        self.pacer.sent_to(context.phone_number_id, to)
        try:
            sent = await self.graph.send_template(context.phone_number_id, context.token, to, batch.template_name,
                                                  batch.language, components or None,
                                                  biz_opaque_callback_data=callback_data(row.id))
        except OutcomeUnknownError as exc:
            log.warning("template send %s: outcome unknown, waiting for a status: %s", row.id, exc)
            async with self.turns.session() as session:
                await TemplateSendRepository(session).outcome_unknown(row.id, str(exc))
                await session.commit()
            return
        except ThrottledError as exc:
            await self._retry(row, str(exc), delay=throttle_delay(exc, row.attempts), error=exc)
            return
        except GraphError as exc:
            if exc.retryable:
                await self._retry(row, str(exc), error=exc)
                return
            await self._fail(row, words.meta_refused(exc.code, exc.message, exc.details), error_code=exc.code)
            return
        except ValueError as exc:  # a request we could not even build (e.g. an impossible recipient)
            await self._fail(row, str(exc))
            return
        await self._records.submit(Accepted(row, batch, sent.wamid, sent.wa_id))

    async def _write_records(self, session: AsyncSession, accepted: list[Accepted]) -> list[bool]:
        return [await record_sent(session, a.row, a.batch, a.wamid, a.wa_id) for a in accepted]

    def _queued(self) -> None:
        if self.on_slack_queued is not None:
            self.on_slack_queued()

    async def _retry(self, row: TemplateSendRecipient, reason: str, *, delay: float | None = None,
                     count: bool = True, error: GraphError | None = None) -> None:
        assert row.id is not None
        if count and row.attempts + 1 >= MAX_ATTEMPTS:
            await self._fail(row, words.gave_up(reason), error_code=error.code if error else None)
            return
        at = utcnow() + timedelta(seconds=delay if delay is not None else backoff(row.attempts, cap=300.0))
        async with self.turns.session() as session:
            await TemplateSendRepository(session).retry(row.id, at=at, error=reason, count_attempt=count)
            await session.commit()

    async def _fail(self, row: TemplateSendRecipient, reason: str, *, error_code: int | None = None,
                    state: RecipientState = RecipientState.FAILED) -> None:
        assert row.id is not None
        async with self.turns.session() as session:
            await TemplateSendRepository(session).fail(row.id, state, error=reason, error_code=error_code)
            await session.commit()
        self._swept = 0.0  # a single send's failure is told without waiting for the next sweep
        self.wake()

    async def settle_batches(self) -> int:
        """Queue the outcome of every batch whose recipients have all settled; how many were settled."""
        settled = 0
        async with self.database.session() as session:
            batches = await TemplateSendRepository(session).open_batches()
        for batch in batches:
            assert batch.id is not None
            quiet_since = utcnow() - (self.summary_quiet if batch.total > 1 else timedelta(0))
            async with self.turns.session() as session:
                repository = TemplateSendRepository(session)
                if await repository.unsettled(batch.id, quiet_since=quiet_since):
                    continue
                if not await repository.summarise(batch.id):
                    continue
                queued = await queue_outcome(session, batch, await repository.recipients(batch.id))
                await session.commit()
            settled += 1
            self._contexts.pop(batch.id, None)
            if queued and self.on_slack_queued is not None:
                self.on_slack_queued()
        return settled
