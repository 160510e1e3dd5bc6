"""Conversations, mirrored messages and statuses: what the inbound and outbound relays read and write."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select, tuple_, type_coerce, update
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.messaging_models import Conversation, MessageStatus, MirroredMessage
from storage.models import AccountStatus, PhoneNumber, Tenant, UTCDateTime, WhatsAppAccount, utcnow
from storage.repositories.idempotent import insert_once


@dataclass(frozen=True)
class NumberRoute:
    """Where a business number's conversations go; ``relaying`` is False for numbers we only record."""

    phone_number_row_id: int
    phone_number_id: str
    display_phone_number: str | None
    business_name: str | None
    team_id: str
    channel_id: str | None
    relaying: bool


@dataclass(frozen=True)
class RecentConversation:
    """A conversation for the Home tab's list: the row, its business number, its latest activity."""

    conversation: Conversation
    number: PhoneNumber
    last_activity_at: datetime


@dataclass(frozen=True)
class RecentPage:
    conversations: tuple[RecentConversation, ...]
    total: int


class ConversationRepository:
    def __init__(self, session: AsyncSession):
        self.session = session

    async def route(self, phone_number_id: str) -> NumberRoute | None:
        """The live number with this id (a number released to another workspace is not it), or None."""
        return (await self.routes([phone_number_id])).get(phone_number_id)

    async def routes(self, phone_number_ids: Iterable[str]) -> dict[str, NumberRoute]:
        """``route`` for many numbers in one query; ids without a live number are absent."""
        wanted = sorted(set(phone_number_ids))
        if not wanted:
            return {}
        query = (
            select(PhoneNumber, WhatsAppAccount, Tenant)
            .join(WhatsAppAccount, col(WhatsAppAccount.id) == col(PhoneNumber.account_id))
            .join(Tenant, col(Tenant.id) == col(WhatsAppAccount.tenant_id))
            .where(col(PhoneNumber.phone_number_id).in_(wanted), col(PhoneNumber.released_at).is_(None))
        )
        found: dict[str, NumberRoute] = {}
        for number, account, tenant in (await self.session.execute(query)).all():
            assert number.id is not None
            found[number.phone_number_id] = NumberRoute(
                phone_number_row_id=number.id, phone_number_id=number.phone_number_id,
                display_phone_number=number.display_phone_number,
                business_name=number.verified_name or account.name, team_id=tenant.slack_team_id,
                channel_id=number.slack_channel_id,
                relaying=account.status == AccountStatus.ACTIVE.value and number.enabled,
            )
        return found

    async def existing_conversations(self, keys: Iterable[tuple[int, str]]) -> dict[tuple[int, str], Conversation]:
        """The conversations that exist already among (number row id, candidate key) pairs, in one query."""
        wanted = sorted(set(keys))
        if not wanted:
            return {}
        query = select(Conversation).where(
            tuple_(col(Conversation.phone_number_row_id), col(Conversation.candidate_key)).in_(wanted))
        return {(c.phone_number_row_id, c.candidate_key): c for c in (await self.session.execute(query)).scalars()}

    async def conversation(self, phone_number_row_id: int, candidate_key: str) -> Conversation:
        """The one conversation of this candidate with this number, created on first contact."""
        now = utcnow()
        await insert_once(self.session, Conversation, {
            "phone_number_row_id": phone_number_row_id, "candidate_key": candidate_key, "marketing_opt_out": False,
            "unread_count": 0, "created_at": now, "updated_at": now,
        }, ["phone_number_row_id", "candidate_key"])
        query = select(Conversation).where(col(Conversation.phone_number_row_id) == phone_number_row_id,
                                           col(Conversation.candidate_key) == candidate_key)
        return (await self.session.execute(query)).scalars().one()

    async def find(self, phone_number_row_id: int, candidate_key: str) -> Conversation | None:
        query = select(Conversation).where(col(Conversation.phone_number_row_id) == phone_number_row_id,
                                           col(Conversation.candidate_key) == candidate_key)
        return (await self.session.execute(query)).scalars().first()

    async def get(self, conversation_id: int) -> Conversation | None:
        return await self.session.get(Conversation, conversation_id)

    async def save(self, conversation: Conversation) -> None:
        conversation.updated_at = utcnow()
        self.session.add(conversation)
        await self.session.flush()

    async def add_message(self, **values) -> int | None:  # type: ignore[no-untyped-def]
        """The new message's id, or None when this wamid was mirrored already (Meta's duplicate)."""
        values.setdefault("created_at", utcnow())
        values.setdefault("edited", False)
        values.setdefault("revoked", False)
        return await insert_once(self.session, MirroredMessage, values, ["wamid"])

    async def message(self, wamid: str) -> MirroredMessage | None:
        query = select(MirroredMessage).where(col(MirroredMessage.wamid) == wamid)
        return (await self.session.execute(query)).scalars().first()

    async def messages(self, wamids: Iterable[str]) -> dict[str, MirroredMessage]:
        """The mirrored messages among ``wamids``, with their conversations loaded into the session too (so
        ``get`` finds them without a query): two queries for a whole batch of statuses."""
        wanted = sorted(set(wamids))
        if not wanted:
            return {}
        found = {m.wamid: m for m in (await self.session.execute(
            select(MirroredMessage).where(col(MirroredMessage.wamid).in_(wanted)))).scalars()}
        conversation_ids = sorted({m.conversation_id for m in found.values()})
        if conversation_ids:
            (await self.session.execute(select(Conversation).where(col(Conversation.id).in_(conversation_ids)))).all()
        return found

    async def message_by_id(self, message_id: int) -> MirroredMessage | None:
        return await self.session.get(MirroredMessage, message_id)

    async def set_slack_ts(self, message_id: int, ts: str) -> None:
        await self.session.execute(update(MirroredMessage).where(col(MirroredMessage.id) == message_id,
                                                                 col(MirroredMessage.slack_ts).is_(None))
                                   .values(slack_ts=ts))

    async def add_status(self, *, wamid: str, status: str, at: datetime | None, error_code: int | None,
                         error_title: str | None, pricing_category: str | None, billable: bool | None) -> bool:
        """True when this (wamid, status) is new; Meta's repeats of it change nothing."""
        return await insert_once(self.session, MessageStatus, {
            "wamid": wamid, "status": status, "at": at, "error_code": error_code, "error_title": error_title,
            "pricing_category": pricing_category, "billable": billable, "received_at": utcnow(),
        }, ["wamid", "status"]) is not None

    async def conversation_channels(self, team_id: str) -> set[str]:
        """The Slack channels that hold (or will hold) threads of ``team_id``'s listed conversations."""
        scope, channel = _team_scope(team_id)
        found = await self.session.execute(scope.with_only_columns(channel).distinct())
        return {c for c in found.scalars() if c}

    async def recent_for_team(self, team_id: str, channel_ids: Iterable[str], *, offset: int,
                              limit: int) -> RecentPage:
        """The conversations of ``team_id``'s connected numbers whose thread is in one of ``channel_ids``, latest
        activity first (the newest message either way, else when the conversation began): ``limit`` of them
        from ``offset``, and how many there are in all. Never another workspace's."""
        channels = sorted(set(channel_ids))
        if not channels or limit <= 0:
            return RecentPage((), 0)
        scope, channel = _team_scope(team_id)
        scope = scope.where(channel.in_(channels))
        total = (await self.session.execute(select(func.count()).select_from(scope.subquery()))).scalar_one()
        if total == 0 or offset >= total:
            return RecentPage((), int(total))
        last_message = (
            select(func.max(func.coalesce(col(MirroredMessage.sent_at), col(MirroredMessage.created_at))))
            .where(col(MirroredMessage.conversation_id) == col(Conversation.id))
            .correlate(Conversation).scalar_subquery()
        )  # one look-up per conversation through ix_messages_conversation_id
        last_at = type_coerce(func.coalesce(last_message, col(Conversation.created_at)), UTCDateTime()).label("last_at")
        query = (
            scope.with_only_columns(Conversation, PhoneNumber, last_at)
            .order_by(last_at.desc(), col(Conversation.id).desc())
            .offset(max(offset, 0)).limit(limit)
        )
        rows = (await self.session.execute(query)).all()
        return RecentPage(tuple(RecentConversation(conversation, number, at) for conversation, number, at in rows),
                          int(total))


def _team_scope(team_id: str) -> tuple[Select[Any], ColumnElement[Any]]:
    """The conversations listed for a workspace (those of its live, chosen numbers in accounts still connected),
    and the channel each one's thread is in: its own, else its number's."""
    channel = func.coalesce(col(Conversation.slack_channel_id), col(PhoneNumber.slack_channel_id))
    scope = (
        select(col(Conversation.id))
        .join(PhoneNumber, col(PhoneNumber.id) == col(Conversation.phone_number_row_id))
        .join(WhatsAppAccount, col(WhatsAppAccount.id) == col(PhoneNumber.account_id))
        .join(Tenant, col(Tenant.id) == col(WhatsAppAccount.tenant_id))
        .where(col(Tenant.slack_team_id) == team_id, col(PhoneNumber.released_at).is_(None),
               col(PhoneNumber.enabled).is_(True), col(WhatsAppAccount.status) != AccountStatus.DISCONNECTED.value)
    )
    return scope, channel
