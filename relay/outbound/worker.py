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

from relay.inbound.workers import IDLE_POLL_SECONDS, WorkerLoop, backoff
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


def throttle_delay(error: ThrottledError, attempt: int) -> float:
    """Seconds before the next try after a rate limit the Graph client's own retries did not get past:
    4^x for the pair rate (Meta's guidance), Meta's hint or backoff for throughput."""
    if isinstance(error, PairRateLimitError):
        return min(900.0, 4.0 ** (attempt + 1))
    return error.retry_after if error.retry_after is not None else backoff(attempt, cap=300.0)


class ReplyWorker(WorkerLoop):
    """Carries out recorded replies, one per conversation at a time, many conversations at once."""

    def __init__(self, database: Database, contexts: ReplyContexts, delivery: ReplyDelivery, notices: ReplyNotices,
                 *, unknown_outcome_wait: timedelta, read_receipts: bool = True, lanes: int = 32):
        super().__init__("reply-worker")
        self.database, self.contexts, self.delivery, self.notices = database, contexts, delivery, notices
        self.unknown_outcome_wait, self.read_receipts, self.lanes = unknown_outcome_wait, read_receipts, lanes
        self._running: set[asyncio.Task] = set()

    async def step(self) -> bool:
        free = self.lanes - len(self._running)
        if free <= 0:
            await asyncio.wait(self._running, return_when=asyncio.FIRST_COMPLETED)
            return True
        async with self.database.session() as session:
            items = await WhatsAppOutboxRepository(session).claim_heads(free, LEASE)
            await session.commit()
        for item in items:
            task = asyncio.create_task(self.run_item(item))
            self._running.add(task)
            task.add_done_callback(self._finished)
        if not items and self._running:
            await asyncio.wait(self._running, timeout=IDLE_POLL_SECONDS, return_when=asyncio.FIRST_COMPLETED)
            return True
        return bool(items)

    def _finished(self, task: asyncio.Task) -> None:
        self._running.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("reply task failed: %r", task.exception())
        self.wake()

    async def stop(self) -> None:
        await super().stop()
        for task in list(self._running):
            task.cancel()
        self._running.clear()

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
        plan = json.loads(item.plan) if item.plan else await self._plan(item, context)
        files = json.loads(item.files)
        for index in range(item.next_part, len(plan)):
            if not await self._send_part(item, context, plan, files, index):
                return
        await self._finish(item, OutboundState.SENT)

    async def _plan(self, item: WhatsAppOutboxItem, context: ReplyContext) -> list[dict]:
        plan = build_plan(await self.contexts.whatsapp_text(item, context), json.loads(item.files))
        async with self.database.session() as session:
            await WhatsAppOutboxRepository(session).save_plan(item.id, plan)  # type: ignore[arg-type]
            await session.commit()
        return plan

    async def _send_part(self, item: WhatsAppOutboxItem, context: ReplyContext, plan: list[dict], files: list,
                         index: int) -> bool:
        """Send part ``index``; True to go on with the next part."""
        part = plan[index]
        if part["type"] == "refused":
            await self.notices.file_refused(item, context, index, part["name"], part["reason"])
            return await self._skip(item, index)
        if not self._window_open(context):
            await self._window_closed(item, context)
            return False
        try:
            prepared = await self.delivery.prepare(context.sender, part, files)
        except FileRefused as exc:
            await self.notices.file_refused(item, context, index, part["name"], str(exc),
                                            with_caption=bool(part.get("caption")))
            return await self._skip(item, index)
        except (SlackFileUnavailable, ThrottledError, GraphError) as exc:
            if isinstance(exc, GraphError) and not exc.retryable and exc.code is not None:
                await self.notices.file_refused(item, context, index, part["name"], exc.details or exc.message,
                                                with_caption=bool(part.get("caption")))
                return await self._skip(item, index)
            await self._retry(item, str(exc), count=True)
            return False
        async with self.database.session() as session:
            begun = await WhatsAppOutboxRepository(session).begin_part(
                item.id, index, until=utcnow() + self.unknown_outcome_wait)  # type: ignore[arg-type]
            await session.commit()
        if not begun:  # the row moved on meanwhile (a status confirmed this part): pick it up afresh
            await self._release(item)
            return False
        try:
            sent = await self.delivery.send(context.sender, prepared, callback_data(item.id, index))  # type: ignore[arg-type]
        except OutcomeUnknownError as exc:
            log.warning("reply %s part %d: outcome unknown, waiting for a status: %s", item.id, index, exc)
            async with self.database.session() as session:
                await WhatsAppOutboxRepository(session).outcome_unknown(item.id, str(exc))  # type: ignore[arg-type]
                await session.commit()
            return False
        except WindowClosedError:
            await self._window_closed(item, context)
            return False
        except ThrottledError as exc:
            await self._retry(item, str(exc), count=True, delay=throttle_delay(exc, item.attempts), error=exc)
            return False
        except GraphError as exc:
            if exc.retryable:
                await self._retry(item, str(exc), count=True, error=exc)
                return False
            await self._failed(item, context, exc)
            return False
        async with self.database.session() as session:
            await record_sent_part(session, item, index, sent.wamid, str(part.get("media") or "text"),
                                   summary_of(part))
            await session.commit()
        if index == item.next_part:  # the first part this run sent: the candidate's messages were read
            await self._read_receipt(context)
        return True

    def _window_open(self, context: ReplyContext) -> bool:
        last = context.conversation.last_inbound_at
        return last is not None and last + CUSTOMER_WINDOW > utcnow()

    async def _window_closed(self, item: WhatsAppOutboxItem, context: ReplyContext, *, late: bool = False) -> None:
        if await self._finish(item, OutboundState.WINDOW_CLOSED, error_code=131047,
                              error="the 24-hour window is closed" + (" (Meta, after sending)" if late else "")):
            await self.notices.window_closed(item, context)

    async def _read_receipt(self, context: ReplyContext) -> None:
        try:
            await self.contexts.mark_read(context, enabled=self.read_receipts)
        except Exception as exc:  # a read mark is a courtesy: the reply went out
            log.warning("read receipt for conversation %s failed: %s", context.conversation.id, exc)

    async def _failed(self, item: WhatsAppOutboxItem, context: ReplyContext, exc: GraphError) -> None:
        if await self._finish(item, OutboundState.FAILED, error_code=exc.code, error=str(exc)):
            await self.notices.send_failed(item, context, exc.code, exc.message, exc.details)

    async def _skip(self, item: WhatsAppOutboxItem, index: int) -> bool:
        async with self.database.session() as session:
            await WhatsAppOutboxRepository(session).part_done(item.id, index)  # type: ignore[arg-type]
            await session.commit()
        return True

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
        async with self.database.session() as session:
            await WhatsAppOutboxRepository(session).retry(item.id, at=at, error=reason, count_attempt=count)  # type: ignore[arg-type]
            await session.commit()

    async def _finish(self, item: WhatsAppOutboxItem, state: OutboundState, *, error_code: int | None = None,
                      error: str | None = None) -> bool:
        async with self.database.session() as session:
            done = await WhatsAppOutboxRepository(session).finish(item.id, state, error_code=error_code,  # type: ignore[arg-type]
                                                                  error=error, only_if_open=True)
            await session.commit()
        return done

    async def _release(self, item: WhatsAppOutboxItem) -> None:
        async with self.database.session() as session:
            await WhatsAppOutboxRepository(session).release(item.id)  # type: ignore[arg-type]
            await session.commit()
