"""The outbound worker: leases the oldest open reply of each conversation and sends its parts in order.

Exactly once toward the candidate: a part is marked in flight (``begin_part``) before its send, so a lost answer
or a crash mid-send is reconciled by the status webhook naming that part (``relay/outbound/reconcile.py``), or
reported in the thread as "may or may not have arrived" — never sent again. Rate limits and transient errors
that Meta answered (nothing was sent) are retried; every other failure is told in the thread.
"""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import datetime, timedelta

from relay.inbound.workers import LaneWorkerLoop, backoff
from relay.inbound.write_turns import WriteTurns
from relay.outbound.context import NOT_INSTALLED, ReplyContext, ReplyContexts
from relay.outbound.delivery import ReplyDelivery, summary_of
from relay.outbound.media_rules import FileRefused
from relay.outbound.notices import ReplyNotices
from relay.outbound.plan import build_plan
from relay.outbound.reconcile import callback_data, record_sent_part
from relay.outbound.slack_files import SlackFileUnavailable
from storage.database import Database
from storage.models import utcnow
from storage.outbound_models import OutboundState, WhatsAppOutboxItem
from storage.repositories.whatsapp_outbox import WhatsAppOutboxRepository
from whatsapp.errors import GraphError, OutcomeUnknownError, PairRateLimitError, ThrottledError, WindowClosedError

log = logging.getLogger("waslack.outbound")

LEASE = timedelta(seconds=120)  # longer than a send with the Graph client's own retries
MAX_ATTEMPTS = 8
CUSTOMER_WINDOW = timedelta(hours=24)
# what sending one part leads to
NEXT, STOP, FINISHED = "next", "stop", "finished"


def throttle_delay(error: ThrottledError, attempt: int) -> float:
    """Seconds before the next try after a rate limit the Graph client's own retries did not get past:
    4^x for the pair rate (Meta's guidance), Meta's hint or backoff for throughput."""
    if isinstance(error, PairRateLimitError):
        return min(900.0, 4.0 ** (attempt + 1))
    return error.retry_after if error.retry_after is not None else backoff(attempt, cap=300.0)


class ReplyWorker(LaneWorkerLoop):
    """Carries out recorded replies, one per conversation at a time, many conversations at once."""

    def __init__(self, database: Database, contexts: ReplyContexts, delivery: ReplyDelivery, notices: ReplyNotices,
                 *, unknown_outcome_wait: timedelta, read_receipts: bool = True, lanes: int = 128,
                 turns: WriteTurns | None = None):
        super().__init__("reply-worker", lanes)
        self.turns = turns or WriteTurns(database)  # SQLite: writes take turns with the other workers
        self.database, self.contexts, self.delivery, self.notices = database, contexts, delivery, notices
        self.unknown_outcome_wait, self.read_receipts = unknown_outcome_wait, read_receipts

    async def step(self) -> bool:
        free = self.free_lanes()
        if free <= 0:
            await asyncio.wait(self._running, return_when=asyncio.FIRST_COMPLETED)
            return True
        async with self.turns.session() as session:
            items = await WhatsAppOutboxRepository(session).claim_heads(free, LEASE)
            await session.commit()
        for item in items:
            self.spawn(self.run_item(item))
        # nothing due: the loop sleeps until a reply is recorded or a running one finishes (both wake it)
        return bool(items)

    async def run_item(self, item: WhatsAppOutboxItem) -> None:
        assert item.id is not None
        try:
            context = await self.contexts.for_item(item)
        except Exception as exc:
            await self._retry(item, f"{type(exc).__name__}: {exc}", count=True)
            return
        if isinstance(context, str):  # nothing can be sent from this thread (disconnected, uninstalled)
            if await self._finish(item, OutboundState.FAILED, error=context) and context != NOT_INSTALLED:
                await self.notices.not_sendable(item, context)
            return
        if item.state == OutboundState.RECONCILING.value:  # nobody confirmed the send in time
            if await self._finish(item, OutboundState.FAILED_UNKNOWN, error=item.error or "outcome unknown"):
                await self.notices.outcome_unknown(item, context, self.unknown_outcome_wait)
            return
        if item.state == OutboundState.TELL_WINDOW.value:
            await self._window_closed(item, context, late=True)
            return
        files = json.loads(item.files)
        # a new plan is saved with the first write that moves the row on (the send's begin, or a skipped part)
        plan = json.loads(item.plan) if item.plan else build_plan(await self.contexts.whatsapp_text(item, context),
                                                                  files)
        unsaved = item.plan is None
        for index in range(item.next_part, len(plan)):
            step = await self._send_part(item, context, plan, files, index, save_plan=unsaved)
            if step != NEXT:
                if step == STOP:
                    return
                break  # FINISHED: the last part's record closed the row
            unsaved = False
        else:
            await self._finish(item, OutboundState.SENT)

    async def _send_part(self, item: WhatsAppOutboxItem, context: ReplyContext, plan: list[dict], files: list,
                         index: int, *, save_plan: bool) -> str:
        """Send part ``index``: NEXT to go on with the next part, STOP, or FINISHED (the row is closed)."""
        part = plan[index]
        if part["type"] == "refused":
            await self.notices.file_refused(item, context, index, part["name"], part["reason"])
            return await self._skip(item, index, plan if save_plan else None)
        if not self._window_open(context):
            await self._window_closed(item, context)
            return STOP
        try:
            prepared = await self.delivery.prepare(context.sender, part, files)
        except FileRefused as exc:
            await self.notices.file_refused(item, context, index, part["name"], str(exc),
                                            with_caption=bool(part.get("caption")))
            return await self._skip(item, index, plan if save_plan else None)
        except (SlackFileUnavailable, ThrottledError, GraphError) as exc:
            if isinstance(exc, GraphError) and not exc.retryable and exc.code is not None:
                await self.notices.file_refused(item, context, index, part["name"], exc.details or exc.message,
                                                with_caption=bool(part.get("caption")))
                return await self._skip(item, index, plan if save_plan else None)
            await self._retry(item, str(exc), count=True)
            return STOP
        async with self.turns.session() as session:
            outbox = WhatsAppOutboxRepository(session)
            if save_plan:
                await outbox.save_plan(item.id, plan)  # type: ignore[arg-type]
            begun = await outbox.begin_part(item.id, index, until=utcnow() + self.unknown_outcome_wait)  # type: ignore[arg-type]
            await session.commit()
        if not begun:  # the row moved on meanwhile (a status confirmed this part): pick it up afresh
            await self._release(item)
            return STOP
        try:
            sent = await self.delivery.send(context.sender, prepared, callback_data(item.id, index))  # type: ignore[arg-type]
        except OutcomeUnknownError as exc:
            log.warning("reply %s part %d: outcome unknown, waiting for a status: %s", item.id, index, exc)
            async with self.turns.session() as session:
                await WhatsAppOutboxRepository(session).outcome_unknown(item.id, str(exc))  # type: ignore[arg-type]
                await session.commit()
            return STOP
        except WindowClosedError:
            await self._window_closed(item, context)
            return STOP
        except ThrottledError as exc:
            await self._retry(item, str(exc), count=True, delay=throttle_delay(exc, item.attempts), error=exc)
            return STOP
        except GraphError as exc:
            if exc.retryable:
                await self._retry(item, str(exc), count=True, error=exc)
                return STOP
            await self._failed(item, context, exc)
            return STOP
        last = index == len(plan) - 1
        # one transaction records the part, closes the row after its last part and, after the first part this
        # run sent, clears the unread count (the candidate's messages were read)
        async with self.turns.session() as session:
            await record_sent_part(session, item, index, sent.wamid, str(part.get("media") or "text"),
                                   summary_of(part))
            if last:
                await WhatsAppOutboxRepository(session).finish(item.id, OutboundState.SENT, only_if_open=True)  # type: ignore[arg-type]
            unread = (await self.contexts.clear_unread(session, context.conversation.id)  # type: ignore[arg-type]
                      if index == item.next_part else None)
            await session.commit()
        if unread is not None:
            await self._read_receipt(context, unread)
        return FINISHED if last else NEXT

    def _window_open(self, context: ReplyContext) -> bool:
        last = context.conversation.last_inbound_at
        return last is not None and last + CUSTOMER_WINDOW > utcnow()

    async def _window_closed(self, item: WhatsAppOutboxItem, context: ReplyContext, *, late: bool = False) -> None:
        if await self._finish(item, OutboundState.WINDOW_CLOSED, error_code=131047,
                              error="the 24-hour window is closed" + (" (Meta, after sending)" if late else "")):
            await self.notices.window_closed(item, context)

    async def _read_receipt(self, context: ReplyContext, wamid: str) -> None:
        if not self.read_receipts:
            return
        try:
            await self.contexts.mark_read(context, wamid)
        except Exception as exc:  # a read mark is a courtesy: the reply went out
            log.warning("read receipt for conversation %s failed: %s", context.conversation.id, exc)

    async def _failed(self, item: WhatsAppOutboxItem, context: ReplyContext, exc: GraphError) -> None:
        if await self._finish(item, OutboundState.FAILED, error_code=exc.code, error=str(exc)):
            await self.notices.send_failed(item, context, exc.code, exc.message, exc.details)

    async def _skip(self, item: WhatsAppOutboxItem, index: int, plan: list[dict] | None) -> str:
        """Move past a part that is not sent (its notice is in the thread), saving a new ``plan`` with it."""
        async with self.turns.session() as session:
            outbox = WhatsAppOutboxRepository(session)
            if plan is not None:
                await outbox.save_plan(item.id, plan)  # type: ignore[arg-type]
            await outbox.part_done(item.id, index)  # type: ignore[arg-type]
            await session.commit()
        return NEXT

    async def _retry(self, item: WhatsAppOutboxItem, reason: str, *, count: bool, delay: float | None = None,
                     error: GraphError | None = None) -> None:
        if count and item.attempts + 1 >= MAX_ATTEMPTS:
            context = await self.contexts.for_item(item)
            # every try met a rate limit or a temporary failure: the advice for those ("retries on its own")
            # no longer holds, so the thread hears that waslack gave up, and why
            if await self._finish(item, OutboundState.FAILED, error_code=error.code if error else None, error=reason):
                if not isinstance(context, str):
                    await self.notices.gave_up(item, context, reason)
            return
        at: datetime = utcnow() + timedelta(seconds=delay if delay is not None else backoff(item.attempts, cap=300.0))
        async with self.turns.session() as session:
            await WhatsAppOutboxRepository(session).retry(item.id, at=at, error=reason, count_attempt=count)  # type: ignore[arg-type]
            await session.commit()

    async def _finish(self, item: WhatsAppOutboxItem, state: OutboundState, *, error_code: int | None = None,
                      error: str | None = None) -> bool:
        async with self.turns.session() as session:
            done = await WhatsAppOutboxRepository(session).finish(item.id, state, error_code=error_code,  # type: ignore[arg-type]
                                                                  error=error, only_if_open=True)
            await session.commit()
        return done

    async def _release(self, item: WhatsAppOutboxItem) -> None:
        async with self.turns.session() as session:
            await WhatsAppOutboxRepository(session).release(item.id)  # type: ignore[arg-type]
            await session.commit()
