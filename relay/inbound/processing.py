"""From one stored webhook to rows: every change routed by its number, every message and status recorded once,
and the Slack writes that mirror them queued in the outbox — all in the caller's transaction.

Dispatch is by webhook ``field`` (``FIELD_HANDLERS``); a field without a handler is recorded and acknowledged.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.inbound_rendering import RenderContext, render_inbound, summary_text
from bot.slack_writes import ParentRefresh, SlackWrite, StatusMark, ThreadPost, write_args
from bot.status_wording import failed_status_notice
from relay.activity import webhook_received
from relay.inbound.account_events import ACCOUNT_FIELD_HANDLERS
from relay.outbound.reconcile import adopt_status
from relay.template_sends.reconcile import adopt_template_status, prefetch_recipients
from storage.messaging_models import Conversation, MessageDirection, MirroredMessage
from storage.models import utcnow
from storage.repositories.conversations import ConversationRepository, NumberRoute
from storage.repositories.outbox import OutboxRepository
from web.request_body import UnreadableJSON, loads_bounded
from whatsapp.webhook_models import (
    Change,
    InboundMessage,
    MalformedPayloadError,
    StatusKind,
    StatusUpdate,
    parse_webhook,
)

CUSTOMER_WINDOW = timedelta(hours=24)
# status order: a later "delivered" never replaces "read"; "failed" is final
STATUS_RANK = {StatusKind.SENT: 1, StatusKind.DELIVERED: 2, StatusKind.READ: 3, StatusKind.PLAYED: 4,
               StatusKind.FAILED: 9}


class UnparseableBody(ValueError):
    """Signed by Meta but not a payload we can read; retrying can never help."""


def decode_body(body: bytes) -> object:
    """The JSON of a stored body; UnparseableBody (with a reason) when it is not UTF-8 JSON of sane depth."""
    try:
        return loads_bounded(body)
    except UnreadableJSON as exc:
        raise UnparseableBody(str(exc)[:200] or "body is not JSON") from exc


@dataclass
class ProcessOutcome:
    """What one webhook did, for the inspector."""

    fields: list[str] = field(default_factory=list)
    phone_number_ids: list[str] = field(default_factory=list)
    waba_ids: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    queued: int = 0  # Slack writes added to the outbox
    changed_teams: set[str] = field(default_factory=set)  # workspaces whose Home tab shows something new

    def note(self, text: str) -> None:
        if text not in self.notes and len(self.notes) < 50:
            self.notes.append(text)

    def summary(self) -> str:
        head = f"{self.queued} Slack write{'s' if self.queued != 1 else ''} queued"
        return "; ".join([head, *self.notes])[:4000]


def candidate_key(change: Change, message: InboundMessage) -> str | None:
    """Who wrote: the wa_id, or the business-scoped user id when Meta gives no phone number (reference 2.8)."""
    contact = change.contact_for(message.from_wa_id, message.from_user_id)
    return message.from_wa_id or message.from_user_id or (contact.wa_id or contact.user_id if contact else None)


@dataclass
class SessionCache:
    """What the webhooks processed in one session share: routes by phone_number_id and conversations by
    (number, candidate), so a batch looks each up once. Valid only inside that session."""

    routes: dict[str, NumberRoute | None] = field(default_factory=dict)
    conversations: dict[tuple[int, str], Conversation] = field(default_factory=dict)
    # our messages the batch's statuses are about, by wamid (prefetched; a wamid missing here is looked up)
    messages: dict[str, MirroredMessage] = field(default_factory=dict)
    # the conversations' Slack writes, queued in order and inserted together by ``flush_writes``
    writes: list[tuple[ProcessOutcome, dict]] = field(default_factory=list)
    # status marks a newer status of the same message is folded into (``WebhookProcessor._fold``), by message
    # id: the batch's own, not inserted yet, and those queued before that no worker has taken up
    marks: dict[int, dict] = field(default_factory=dict)
    untouched: dict[int, tuple[int, dict]] = field(default_factory=dict)

    async def flush_writes(self, session: AsyncSession) -> None:
        """Insert the queued Slack writes in one executemany (ids in queueing order, so each lane keeps its
        order) and count the new ones in their webhooks' outcomes; before the transaction commits."""
        writes, self.writes = self.writes, []
        added = await OutboxRepository(session).add_many([row for _, row in writes])
        for outcome, row in writes:
            outcome.queued += row["dedupe_key"] in added

    async def prefetch(self, session: AsyncSession, webhooks: list[list[Change]]) -> None:
        """The routes of every number these webhooks' messages are for, and their candidates' existing
        conversations: two queries for the whole batch instead of two per message."""
        repository = ConversationRepository(session)
        numbers = {c.phone_number_id for changes in webhooks for c in changes
                   if c.field == "messages" and c.phone_number_id and c.phone_number_id not in self.routes}
        found = await repository.routes(numbers)
        self.routes.update({n: found.get(n) for n in numbers})
        keys = set()
        for changes in webhooks:
            for change in changes:
                route = self.routes.get(change.phone_number_id or "")
                if route is not None and change.field == "messages":
                    keys.update((route.phone_number_row_id, key) for m in change.messages
                                if (key := candidate_key(change, m)))
        self.conversations.update(await repository.existing_conversations(keys - set(self.conversations)))
        statuses = [status for changes in webhooks for change in changes if change.field == "messages"
                    and self.routes.get(change.phone_number_id or "") is not None for status in change.statuses]
        self.messages.update(await repository.messages({s.id for s in statuses} - set(self.messages)))
        lanes = {f"conv:{self.messages[s.id].conversation_id}" for s in statuses if s.id in self.messages}
        self.untouched.update(await OutboxRepository(session).untouched_marks(lanes))
        await prefetch_recipients(session, statuses)  # the /template sends they report on


class WebhookProcessor:
    """Processes one stored webhook inside ``session``; idempotent, so a retried or duplicated delivery
    (or a re-run after a crash) adds nothing."""

    def __init__(self, session: AsyncSession, inbox_id: int | None = None, cache: SessionCache | None = None):
        self.session = session
        self.inbox_id = inbox_id
        self.conversations = ConversationRepository(session)
        self.outbox = OutboxRepository(session)
        self.outcome = ProcessOutcome()
        self.owns_cache = cache is None  # then its queued writes are inserted at the end of ``handle``
        self.cache = cache or SessionCache()

    async def process(self, body: bytes) -> ProcessOutcome:
        return await self.handle(self.parse(body))

    @staticmethod
    def parse(body: bytes) -> list[Change]:
        """Every change of a stored body; UnparseableBody when it can never be read."""
        payload = decode_body(body)
        try:
            changes = parse_webhook(payload)
        except MalformedPayloadError as exc:
            raise UnparseableBody(str(exc)) from exc
        webhook_received(payload)  # type: ignore[arg-type]  (parse_webhook checked it is a dict)
        return changes

    async def handle(self, changes: list[Change]) -> ProcessOutcome:
        """Rows and outbox items for the parsed changes of one webhook, in the caller's transaction."""
        if not changes:
            self.outcome.note("no changes in this webhook")
        for change in changes:
            self._remember(change)
            handler = FIELD_HANDLERS.get(change.field, WebhookProcessor._record_only)
            await handler(self, change)
        if self.owns_cache:
            await self.cache.flush_writes(self.session)
        return self.outcome

    def _remember(self, change: Change) -> None:
        for values, value in ((self.outcome.fields, change.field), (self.outcome.phone_number_ids,
                              change.phone_number_id), (self.outcome.waba_ids, change.entry_id)):
            if value and value not in values:
                values.append(value)

    async def _route(self, phone_number_id: str | None) -> NumberRoute | None:
        if not phone_number_id:
            return None
        if phone_number_id not in self.cache.routes:
            self.cache.routes[phone_number_id] = await self.conversations.route(phone_number_id)
        return self.cache.routes[phone_number_id]

    async def _queue(self, route: NumberRoute, conversation: Conversation, key: str, writes: list[SlackWrite],
                     message_id: int | None = None) -> None:
        """Queue ``writes`` in the conversation's lane; inserted (and counted) with the batch's other writes."""
        assert conversation.id is not None
        for i, write in enumerate(writes):
            self.cache.writes.append((self.outcome, OutboxRepository.row(
                dedupe_key=f"{key}:{i}", team_id=route.team_id, lane=f"conv:{conversation.id}", kind=write.kind,
                args=write_args(write), conversation_id=conversation.id, message_id=message_id)))

    # ---- field handlers ---------------------------------------------------------------------------

    async def _record_only(self, change: Change) -> None:
        self.outcome.note(f"{change.field}: recorded")

    async def _messages(self, change: Change) -> None:
        route = await self._route(change.phone_number_id)
        if route is None:
            self.outcome.note(f"number {change.phone_number_id or '?'} is not connected: recorded, not relayed")
            return
        if not route.relaying:
            self.outcome.note(f"number {route.phone_number_id} is disconnected or paused: recorded, not relayed")
            return
        for error in change.errors:
            self.outcome.note(f"Meta reported error {error.code}: {error.title or error.message}")
        ordered = sorted(change.messages, key=lambda m: m.timestamp.timestamp() if m.timestamp else 0)
        for message in ordered:
            await self._inbound_message(route, change, message)
        for status in change.statuses:
            await self._status(route, status)

    async def _inbound_message(self, route: NumberRoute, change: Change, message: InboundMessage) -> None:
        contact = change.contact_for(message.from_wa_id, message.from_user_id)
        key = candidate_key(change, message)
        if not key:
            self.outcome.note(f"message {message.id}: no sender id, recorded only")
            return
        conversation = self.cache.conversations.get((route.phone_number_row_id, key))
        if conversation is None:
            conversation = await self.conversations.conversation(route.phone_number_row_id, key)
            self.cache.conversations[(route.phone_number_row_id, key)] = conversation
        assert conversation.id is not None
        message_id = await self.conversations.add_message(
            wamid=message.id, conversation_id=conversation.id, direction=MessageDirection.INBOUND.value,
            type=message.type, sent_at=message.timestamp, text=summary_text(message), inbox_id=self.inbox_id)
        if message_id is None:
            self.outcome.note(f"message {message.id}: duplicate, ignored")
            return
        window_moved = self._update_candidate(conversation, contact, message)
        if message.type == "system" and message.content.get("type") == "user_changed_number":
            new_wa_id = message.content.get("wa_id")
            if isinstance(new_wa_id, str) and new_wa_id:
                conversation.wa_id = new_wa_id
                # their next messages come from the new number: the same thread, unless that number already
                # has a conversation of its own (then both stay, each with its history)
                if await self.conversations.find(route.phone_number_row_id, new_wa_id) is None:
                    conversation.candidate_key = new_wa_id
                    self.cache.conversations.pop((route.phone_number_row_id, key), None)
                    self.cache.conversations[(route.phone_number_row_id, new_wa_id)] = conversation
                window_moved = True
        conversation.updated_at = utcnow()  # flushed with the transaction: a batch updates its conversations at once
        self.session.add(conversation)
        quoted = None
        if message.context_id:
            earlier = await self.conversations.message(message.context_id)
            quoted = earlier.text if earlier else None
        writes = render_inbound(message, RenderContext(quoted_text=quoted))
        if window_moved and conversation.thread_ts:
            writes.append(ParentRefresh())
        await self._queue(route, conversation, f"in:{message.id}", writes, message_id)

    def _update_candidate(self, conversation: Conversation, contact, message: InboundMessage) -> bool:  # type: ignore[no-untyped-def]
        """Name, ids and the last inbound time; True when the shown 24-hour window should change."""
        if contact is not None:
            conversation.profile_name = contact.name or conversation.profile_name
            conversation.username = contact.username or conversation.username
            conversation.user_id = contact.user_id or conversation.user_id
        conversation.wa_id = message.from_wa_id or conversation.wa_id
        conversation.user_id = message.from_user_id or conversation.user_id
        conversation.unread_count += 1
        if message.type in ("reaction", "request_welcome") and conversation.last_inbound_at is not None:
            return False
        sent = message.timestamp
        if sent is None or (conversation.last_inbound_at and conversation.last_inbound_at >= sent):
            return False
        was_closed = conversation.last_inbound_at is None or conversation.last_inbound_at + CUSTOMER_WINDOW < sent
        conversation.last_inbound_at = sent
        shown = conversation.window_shown_until
        # the parent is re-rendered when the window reopens or moves by more than an hour, not on every message
        return was_closed or shown is None or sent + CUSTOMER_WINDOW - shown > timedelta(hours=1)

    async def _status(self, route: NumberRoute, status: StatusUpdate) -> None:
        error = status.errors[0] if status.errors else None
        new = await self.conversations.add_status(
            wamid=status.id, status=status.status.value, at=status.timestamp, error_code=error.code if error else None,
            error_title=(error.title or error.message) if error else None, pricing_category=status.pricing_category,
            billable=status.billable)
        if not new:
            return
        message = self.cache.messages.get(status.id) or await self.conversations.message(status.id)
        # a recruiter's reply, named by its biz_opaque_callback_data, whose send we never heard back from
        await adopt_status(self.session, status, recorded=message is not None)
        queued = await adopt_template_status(self.session, status)  # a /template send: likewise
        self.outcome.queued += queued
        if message is None or queued:  # adopted just now: the message is there
            message = await self.conversations.message(status.id)
        if message is None or message.direction != MessageDirection.OUTBOUND.value:
            self.outcome.note(f"status {status.status.value} for a message we did not send from Slack: recorded")
            return
        if status.pricing_category:
            message.pricing_category, message.billable = status.pricing_category, status.billable
        current = STATUS_RANK.get(StatusKind.parse(message.status), 0)
        rank = STATUS_RANK.get(status.status, 0)
        conversation = await self.conversations.get(message.conversation_id)
        assert conversation is not None
        if rank > current and current != STATUS_RANK[StatusKind.FAILED]:
            previous, message.status = message.status, status.status.value
            mark = StatusMark(target_wamid=status.id, status=status.status.value, previous=previous,
                              target_ts=message.slack_ts)
            writes: list[SlackWrite] = [mark]
            if status.status is StatusKind.FAILED:
                writes.append(ThreadPost(text=failed_status_notice(status.errors), as_candidate=False))
            elif await self._fold(message, mark):
                writes = []
            if writes:
                await self._queue(route, conversation, f"st:{status.id}:{status.status.value}", writes, message.id)
                if len(writes) == 1:
                    self.cache.marks[message.id] = self.cache.writes[-1][1]
        self.session.add(message)

    async def _fold(self, message: MirroredMessage, mark: StatusMark) -> bool:
        """Show ``mark`` through a mark of the same message that is still waiting (queued in this batch, or
        before and untaken by any worker): sent, delivered and read arriving together cost one Slack write,
        not three. The waiting mark keeps its ``previous``, the emoji actually shown. False: queue ``mark``."""
        assert message.id is not None
        row = self.cache.marks.get(message.id)
        if row is not None:  # not inserted yet
            waiting = json.loads(row["args"])
            row["args"] = json.dumps(write_args(replace(mark, previous=waiting.get("previous"))),
                                     ensure_ascii=False, separators=(",", ":"))
            return True
        found = self.cache.untouched.pop(message.id, None)
        if found is None:
            return False
        item_id, waiting = found
        args = write_args(replace(mark, previous=waiting.get("previous"),
                                  target_ts=mark.target_ts or waiting.get("target_ts")))
        if not await self.outbox.fold_mark(item_id, args):
            return False  # a worker took it up just now
        self.cache.untouched[message.id] = (item_id, args)
        return True


FIELD_HANDLERS: dict[str, Callable[[WebhookProcessor, Change], Awaitable[None]]] = {
    "messages": WebhookProcessor._messages,
    **ACCOUNT_FIELD_HANDLERS,
}
