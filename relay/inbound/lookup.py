"""What the outbox sender needs from the database: where an item goes (workspace client, the number's
channel, the business token for media), the Slack copies of messages, and what a finished write records."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import update
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.outbox_sender import Destination
from relay.inbound.write_turns import WriteTurns
from storage.cipher import TokenCipher
from storage.database import Database
from storage.messaging_models import Conversation, MirroredMessage, SlackOutboxItem
from storage.models import PhoneNumber, WhatsAppAccount
from storage.repositories.conversations import ConversationRepository

log = logging.getLogger("waslack.inbound")


class OutboxLookup:
    def __init__(self, database: Database, cipher: TokenCipher, client_for_team,  # type: ignore[no-untyped-def]
                 turns: WriteTurns | None = None):
        self.database = database
        self.cipher = cipher
        self.client_for_team = client_for_team  # async (team_id) -> AsyncWebClient | None
        self.turns = turns or WriteTurns(database)  # writes take their turn (SQLite has one writer)
        self._problems_told: set[tuple[str, str]] = set()

    async def destination(self, item: SlackOutboxItem) -> tuple[Conversation | None, Destination | None, str | None]:
        """The item's conversation and destination, or a reason to wait (no channel yet, app uninstalled)."""
        if item.conversation_id is None:
            return None, None, "item without a conversation"
        async with self.database.session() as session:
            conversation = await session.get(Conversation, item.conversation_id)
            if conversation is None:
                return None, None, "conversation is gone"
            number = await session.get(PhoneNumber, conversation.phone_number_row_id)
            account = await session.get(WhatsAppAccount, number.account_id) if number else None
        if number is None or account is None:
            return conversation, None, "number is gone"
        if not number.slack_channel_id:
            return conversation, None, "the number has no Slack channel yet"
        client = await self.client_for_team(item.team_id)
        if client is None:
            return conversation, None, "the app is not installed in this workspace"
        token = self.cipher.decrypt(account.business_token_encrypted) if account.business_token_encrypted else None
        return conversation, Destination(
            client=client, channel_id=number.slack_channel_id, business_name=number.verified_name or account.name,
            phone_number_id=number.phone_number_id, business_token=token), None

    async def thread_started(self, conversation: Conversation, channel_id: str, ts: str, now: datetime) -> None:
        """Remember the thread parent at once: a crash after this never posts a second parent."""
        async with self.turns.session() as session:
            await session.execute(update(Conversation).where(col(Conversation.id) == conversation.id).values(
                thread_ts=ts, slack_channel_id=channel_id, window_shown_until=_window_end(conversation)))
            await session.commit()
        conversation.thread_ts, conversation.slack_channel_id = ts, channel_id

    async def window_shown(self, conversation: Conversation, now: datetime) -> None:
        async with self.turns.session() as session:
            await session.execute(update(Conversation).where(col(Conversation.id) == conversation.id).values(
                window_shown_until=_window_end(conversation)))
            await session.commit()

    async def slack_ts_of(self, wamid: str) -> str | None:
        async with self.database.session() as session:
            message = await ConversationRepository(session).message(wamid)
        return message.slack_ts if message else None

    async def previous_reaction(self, wamid: str) -> str | None:
        async with self.database.session() as session:
            message = await ConversationRepository(session).message(wamid)
        return message.reaction if message else None

    async def remember_reaction(self, wamid: str, name: str | None) -> None:
        async with self.turns.session() as session:
            await session.execute(update(MirroredMessage).where(col(MirroredMessage.wamid) == wamid)
                                  .values(reaction=name))
            await session.commit()

    async def after_done(self, session: AsyncSession, item: SlackOutboxItem, ts: str | None) -> None:
        """A post's ts becomes its message's Slack copy (the first part, for a split message)."""
        if ts and item.message_id is not None and item.kind in ("post", "upload") and ts.replace(".", "").isdigit():
            await ConversationRepository(session).set_slack_ts(item.message_id, ts)

    async def channel_problem(self, item: SlackOutboxItem, reason: str) -> None:
        """A channel that needs a person (archived, bot removed, app uninstalled): said once per process."""
        key = (item.team_id, reason)
        if key not in self._problems_told:
            self._problems_told.add(key)
            log.warning("slack writes for workspace %s wait: %s", item.team_id, reason)


def _window_end(conversation: Conversation):  # type: ignore[no-untyped-def]
    from datetime import timedelta

    return conversation.last_inbound_at + timedelta(hours=24) if conversation.last_inbound_at else None
