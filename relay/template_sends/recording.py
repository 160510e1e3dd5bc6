"""Recording a /template submission: who would be refused (``preflight``) and the batch with its recipients,
once per idempotency key, in one transaction (``submit``). Sending is the worker's (relay/template_sends/worker.py).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from bot import template_send_wording as words
from bot.outbox_sender import format_phone
from relay.inbound.write_turns import WriteTurns
from relay.template_sends.request import Recipient, Refusal, SubmitResult, TemplateSendRequest
from storage.database import Database
from storage.messaging_models import Conversation
from storage.models import utcnow
from storage.repositories.conversations import ConversationRepository, NumberRoute
from storage.repositories.template_sends import TemplateSendRepository
from storage.template_send_models import RecipientState


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def recipient_label(conversation: Conversation | None, to: str | None, fallback: str) -> str:
    """How a summary names a recipient: the candidate's name and number when known."""
    number = format_phone(to) if to and to.isdigit() else to
    name = conversation.profile_name or conversation.username if conversation else None
    if name and number:
        return f"{name} ({number})"
    return name or number or fallback


@dataclass
class Plan:
    """What a request becomes: the number's route and one row per distinct recipient (refused ones failed)."""

    route: NumberRoute | None
    rows: list[dict[str, Any]] = field(default_factory=list)
    refusals: list[Refusal] = field(default_factory=list)


async def plan_request(session: AsyncSession, request: TemplateSendRequest) -> Plan:
    """Resolve each recipient against the number's conversations and decide who is refused, and why."""
    route = await ConversationRepository(session).route(request.phone_number_id)
    if route is not None and route.team_id != request.team_id:
        route = None  # another workspace's number is not this one's to send from
    plan = Plan(route)
    conversations = await _conversations(session, request, route)
    marketing = (request.category or "").upper() == "MARKETING"
    seen: set[str] = set()
    for recipient in request.recipients:
        conversation, to, key, refusal = _resolve(recipient, route, conversations)
        if refusal is None and marketing and conversation is not None and conversation.marketing_opt_out:
            refusal = words.opted_out_of_marketing(request.template_name)
        if route is None or not route.relaying:
            refusal = words.NUMBER_NOT_SENDING
        if key in seen:
            continue  # the same candidate twice in one send: once is enough
        seen.add(key)
        row: dict[str, Any] = {
            "recipient_key": key[:200], "label": recipient_label(conversation, to, recipient.label)[:200],
            "conversation_id": conversation.id if conversation else None, "wa_id": to,
            "components": _json(list(recipient.components)) if recipient.components is not None else None,
            "preview_text": recipient.preview_text, "state": RecipientState.PENDING.value,
        }
        if refusal is not None:
            plan.refusals.append(Refusal(recipient, refusal))
            row.update(state=RecipientState.FAILED.value, error=refusal, done_at=utcnow())
        plan.rows.append(row)
    return plan


async def _conversations(session: AsyncSession, request: TemplateSendRequest,
                         route: NumberRoute | None) -> dict[object, Conversation]:
    """The request's conversations by id, and the number's existing ones by candidate key (a pasted number
    that already has a thread joins it)."""
    ids = {r.conversation_id for r in request.recipients if r.conversation_id is not None}
    found: dict[object, Conversation] = {}
    if ids:
        rows = (await session.execute(select(Conversation).where(col(Conversation.id).in_(ids)))).scalars()
        found.update({c.id: c for c in rows})
    if route is not None:
        keys = {(route.phone_number_row_id, _digits(r.wa_id)) for r in request.recipients if r.wa_id}
        existing = await ConversationRepository(session).existing_conversations(keys)
        found.update({("wa", key): c for (_, key), c in existing.items()})
    return found


def _digits(wa_id: str) -> str:
    return "".join(ch for ch in wa_id if ch.isdigit())


def _resolve(recipient: Recipient, route: NumberRoute | None, conversations: dict[object, Conversation]
             ) -> tuple[Conversation | None, str | None, str, str | None]:
    """(conversation, whom to send to, the recipient's key in the batch, a refusal or None)."""
    if recipient.conversation_id is not None:
        conversation = conversations.get(recipient.conversation_id)
        key = f"conv:{recipient.conversation_id}"
        if conversation is None or route is None or conversation.phone_number_row_id != route.phone_number_row_id:
            return None, None, key, words.NOT_ON_THIS_NUMBER
        to = conversation.wa_id or conversation.user_id
        return conversation, to, key, None if to else words.NO_ADDRESS
    if recipient.wa_id:
        digits = _digits(recipient.wa_id)
        conversation = conversations.get(("wa", digits))
        if conversation is not None:
            return conversation, conversation.wa_id or digits, f"conv:{conversation.id}", None
        return None, digits, f"wa:{digits}", None
    return None, None, "none", words.NO_RECIPIENT


class TemplateSends:
    """The ``TemplateSender`` the /template modal calls (relay/template_sends/request.py)."""

    def __init__(self, database: Database, *, on_recorded: Callable[[], None] | None = None,
                 turns: WriteTurns | None = None):
        self.database = database
        self.on_recorded = on_recorded  # wakes the worker
        self.turns = turns or WriteTurns(database)

    async def preflight(self, request: TemplateSendRequest) -> list[Refusal]:
        async with self.database.session() as session:
            return (await plan_request(session, request)).refusals

    async def submit(self, request: TemplateSendRequest) -> SubmitResult:
        async with self.turns.session() as session:
            repository = TemplateSendRepository(session)
            earlier = await repository.batch_by_key(request.idempotency_key)
            if earlier is not None:
                assert earlier.id is not None
                return SubmitResult(batch_id=earlier.id, accepted=earlier.accepted, duplicate=True)
            plan = await plan_request(session, request)
            accepted = sum(1 for row in plan.rows if row["state"] == RecipientState.PENDING.value)
            batch_id = await repository.add_batch({
                "team_id": request.team_id, "slack_user_id": request.slack_user_id,
                "phone_number_row_id": plan.route.phone_number_row_id if plan.route else None,
                "template_name": request.template_name, "language": request.language,
                "category": request.category, "components": _json(list(request.components)),
                "preview_text": request.preview_text, "idempotency_key": request.idempotency_key[:255],
                "total": len(plan.rows), "accepted": accepted})
            if batch_id is None:  # the same submission raced us here and won
                await session.rollback()
                async with self.database.session() as again:
                    earlier = await TemplateSendRepository(again).batch_by_key(request.idempotency_key)
                assert earlier is not None and earlier.id is not None
                return SubmitResult(batch_id=earlier.id, accepted=earlier.accepted, duplicate=True)
            await repository.add_recipients([{**row, "batch_id": batch_id} for row in plan.rows])
            await session.commit()
        if self.on_recorded is not None:
            self.on_recorded()
        return SubmitResult(batch_id=batch_id, accepted=accepted, refused=tuple(plan.refusals))
