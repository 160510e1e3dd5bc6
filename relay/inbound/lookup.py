"""What the outbox sender needs from the database: where an item goes (workspace client, the number's
channel, the business token for media), the Slack copies of messages, and what a finished write records."""

from __future__ import annotations

import logging
import time
from datetime import datetime

from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import bindparam, select, update
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


# how long a workspace's Slack client (its bot token, read and decrypted) is reused without looking again;
# a write that Slack refuses for want of a person (token revoked, app uninstalled) forgets it at once
CLIENT_SECONDS = 30.0

Target = tuple[Conversation | None, Destination | None, str | None]  # a reason instead of a destination: wait


class OutboxLookup:
    def __init__(self, database: Database, cipher: TokenCipher, client_for_team,  # type: ignore[no-untyped-def]
                 turns: WriteTurns | None = None):
        self.database = database
        self.cipher = cipher
        self.client_for_team = client_for_team  # async (team_id) -> AsyncWebClient | None
        self.turns = turns or WriteTurns(database)
        self._clients: dict[str, tuple[float, AsyncWebClient]] = {}
        self._problems_told: set[tuple[str, str]] = set()

    async def destinations(self, items: list[SlackOutboxItem]) -> dict[int, Target]:
        """Each item's conversation and destination, or a reason to wait (no channel yet, app uninstalled), by
        item id: one query for all of them (conversations, their numbers and accounts)."""
        wanted = {item.conversation_id for item in items if item.conversation_id is not None}
        rows: dict[int, tuple[Conversation, PhoneNumber | None, WhatsAppAccount | None]] = {}
        if wanted:
            async with self.database.session() as session:
                result = await session.execute(
                    select(Conversation, PhoneNumber, WhatsAppAccount)
                    .outerjoin(PhoneNumber, col(PhoneNumber.id) == col(Conversation.phone_number_row_id))
                    .outerjoin(WhatsAppAccount, col(WhatsAppAccount.id) == col(PhoneNumber.account_id))
                    .where(col(Conversation.id).in_(wanted)))
                rows = {conversation.id: (conversation, number, account) for conversation, number, account in result}
        targets: dict[int, Target] = {}
        for item in items:
            assert item.id is not None
            targets[item.id] = await self._target(item, rows.get(item.conversation_id))  # type: ignore[arg-type]
        return targets

    async def destination(self, item: SlackOutboxItem) -> Target:
        """One item's conversation and destination, or a reason to wait."""
        return (await self.destinations([item]))[item.id]  # type: ignore[index]

    async def _target(self, item: SlackOutboxItem, row) -> Target:  # type: ignore[no-untyped-def]
        if item.conversation_id is None:
            return None, None, "item without a conversation"
        if row is None:
            return None, None, "conversation is gone"
        conversation, number, account = row
        if number is None or account is None:
            return conversation, None, "number is gone"
        if not number.slack_channel_id:
            return conversation, None, "the number has no Slack channel yet"
        client = await self.client(item.team_id)
        if client is None:
            return conversation, None, "the app is not installed in this workspace"
        token = self.cipher.decrypt(account.business_token_encrypted) if account.business_token_encrypted else None
        return conversation, Destination(
            client=client, channel_id=number.slack_channel_id, business_name=number.verified_name or account.name,
            phone_number_id=number.phone_number_id, business_token=token), None

    async def client(self, team_id: str) -> AsyncWebClient | None:
        """The workspace's client, looked up at most every CLIENT_SECONDS."""
        now = time.monotonic()
        cached = self._clients.get(team_id)
        if cached is not None and now - cached[0] < CLIENT_SECONDS:
            return cached[1]
        client = await self.client_for_team(team_id)
        if client is not None:  # an uninstalled workspace is looked up again each time
            self._clients[team_id] = (now, client)
        return client

    def forget_client(self, team_id: str) -> None:
        self._clients.pop(team_id, None)

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

    async def after_done(self, session: AsyncSession, done: list[tuple[SlackOutboxItem, str | None]]) -> None:
        """A post's ts becomes its message's Slack copy (the first part, for a split message); one executemany."""
        copies = [{"message_id": item.message_id, "ts": ts} for item, ts in done
                  if ts and item.message_id is not None and item.kind in ("post", "upload")
                  and ts.replace(".", "").isdigit()]
        if copies:
            table = MirroredMessage.__table__  # type: ignore[attr-defined]
            await session.execute(update(table).where(table.c.id == bindparam("message_id"), table.c.slack_ts.is_(None))
                                  .values(slack_ts=bindparam("ts")), copies)

    async def channel_problem(self, item: SlackOutboxItem, reason: str) -> None:
        """A channel that needs a person (archived, bot removed, app uninstalled): said once per process."""
        self.forget_client(item.team_id)  # a reinstall brings a new token: look it up again next time
        key = (item.team_id, reason)
        if key not in self._problems_told:
            self._problems_told.add(key)
            log.warning("slack writes for workspace %s wait: %s", item.team_id, reason)


def _window_end(conversation: Conversation):  # type: ignore[no-untyped-def]
    from datetime import timedelta

    return conversation.last_inbound_at + timedelta(hours=24) if conversation.last_inbound_at else None
