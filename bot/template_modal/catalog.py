"""What the modal offers, read from the database: the workspace's connected numbers, each number's APPROVED
templates (the synced cache), and its conversations (most recent first, searchable by name or number).

Every lookup is scoped to the workspace: a number, conversation or thread of another workspace is not found.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlmodel import col

from bot.outbox_sender import format_phone
from storage.database import Database
from storage.messaging_models import Conversation
from storage.models import AccountStatus, PhoneNumber, Tenant, WhatsAppAccount
from storage.repositories.templates import ApprovedTemplate, approved_templates

MAX_OPTIONS = 100  # Slack's limit for a select's options


@dataclass(frozen=True)
class SendingNumber:
    phone_number_id: str
    row_id: int
    account_id: int
    display: str  # "+1 555-102-3091"
    business_name: str | None
    channel_id: str | None

    @property
    def label(self) -> str:
        return f"{self.business_name} · {self.display}" if self.business_name else self.display


@dataclass(frozen=True)
class ConversationChoice:
    id: int
    number_row_id: int
    wa_id: str | None
    name: str | None
    channel_id: str | None
    thread_ts: str | None

    @property
    def label(self) -> str:
        number = format_phone(self.wa_id)
        if self.name and number:
            return f"{self.name} · {number}"
        return self.name or number or f"conversation {self.id}"


def _choice(row: Conversation) -> ConversationChoice:
    assert row.id is not None
    return ConversationChoice(row.id, row.phone_number_row_id, row.wa_id, row.profile_name or row.username,
                              row.slack_channel_id, row.thread_ts)


class ModalCatalog:
    def __init__(self, database: Database):
        self.database = database

    async def numbers(self, team_id: str) -> list[SendingNumber]:
        """The workspace's numbers that send: the account active, the number relaying and not released."""
        query = (
            select(PhoneNumber, WhatsAppAccount)
            .join(WhatsAppAccount, col(WhatsAppAccount.id) == col(PhoneNumber.account_id))
            .join(Tenant, col(Tenant.id) == col(WhatsAppAccount.tenant_id))
            .where(col(Tenant.slack_team_id) == team_id, col(PhoneNumber.released_at).is_(None),
                   col(PhoneNumber.enabled).is_(True), col(WhatsAppAccount.status) == AccountStatus.ACTIVE.value)
            .order_by(col(PhoneNumber.id))
        )
        async with self.database.session() as session:
            rows = (await session.execute(query)).all()
        return [
            SendingNumber(number.phone_number_id, number.id, account.id,
                          format_phone(number.display_phone_number) or number.phone_number_id,
                          number.verified_name or account.name, number.slack_channel_id)
            for number, account in rows if number.id is not None and account.id is not None
        ]

    async def templates(self, account_id: int) -> list[ApprovedTemplate]:
        async with self.database.session() as session:
            return await approved_templates(session, account_id)

    async def conversations(self, number_row_id: int, query: str = "",
                            limit: int = MAX_OPTIONS) -> list[ConversationChoice]:
        """The number's conversations, most recently active first; ``query`` matches the candidate's name or
        any part of their number."""
        statement = select(Conversation).where(col(Conversation.phone_number_row_id) == number_row_id)
        words = query.strip()
        if words:
            digits = "".join(c for c in words if c.isdigit())
            matches = [func.lower(col(Conversation.profile_name)).contains(words.lower()),
                       func.lower(col(Conversation.username)).contains(words.lower())]
            if digits:
                matches.append(col(Conversation.wa_id).contains(digits))
            statement = statement.where(or_(*matches))
        statement = statement.order_by(col(Conversation.updated_at).desc(), col(Conversation.id).desc()).limit(limit)
        async with self.database.session() as session:
            return [_choice(row) for row in (await session.execute(statement)).scalars().all()]

    async def conversation(self, numbers: list[SendingNumber], conversation_id: int) -> ConversationChoice | None:
        """The conversation, if it belongs to one of ``numbers`` (the workspace's)."""
        async with self.database.session() as session:
            row = await session.get(Conversation, conversation_id)
        if row is None or row.phone_number_row_id not in {n.row_id for n in numbers}:
            return None
        return _choice(row)

    async def conversation_of_thread(self, numbers: list[SendingNumber], channel_id: str,
                                     ts: str) -> ConversationChoice | None:
        """The conversation whose thread parent is ``ts`` in ``channel_id``, among ``numbers``' conversations."""
        statement = select(Conversation).where(
            col(Conversation.slack_channel_id) == channel_id, col(Conversation.thread_ts) == ts,
            col(Conversation.phone_number_row_id).in_([n.row_id for n in numbers]))
        async with self.database.session() as session:
            row = (await session.execute(statement)).scalars().first()
        return _choice(row) if row is not None else None
