"""What the outbox sender needs from the database: where an item goes (workspace client, the number's
channel, the business token for media), the Slack copies of messages, and what a finished write records."""

from __future__ import annotations

import json
import logging
import time
from datetime import datetime, timedelta

from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import bindparam, or_, select, update
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from bot import wording
from bot.outbox_sender import Destination
from bot.slack_writes import ChannelNotice
from relay.inbound.write_turns import WriteTurns
from storage.cipher import TokenCipher
from storage.database import Database
from storage.messaging_models import Conversation, MirroredMessage, SlackOutboxItem
from storage.models import PhoneNumber, WhatsAppAccount, utcnow
from storage.repositories.conversations import ConversationRepository
from storage.repositories.outbox import OutboxRepository

log = logging.getLogger("waslack.inbound")

# Slack errors about one channel that a person fixes: shown on the number's Home tab card
CHANNEL_PROBLEMS = ("is_archived", "channel_not_found", "not_in_channel")


# how long a workspace's Slack client (its bot token, read and decrypted) is reused without looking again;
# a write that Slack refuses for want of a person (token revoked, app uninstalled) forgets it at once
CLIENT_SECONDS = 30.0

Target = tuple[Conversation | None, Destination | None, str | None]  # a reason instead of a destination: wait


class OutboxLookup:
    def __init__(self, database: Database, cipher: TokenCipher, client_for_team,  # type: ignore[no-untyped-def]
                 turns: WriteTurns | None = None, on_teams_changed=None):
        self.database = database
        self.cipher = cipher
        self.client_for_team = client_for_team  # async (team_id) -> AsyncWebClient | None
        self.turns = turns or WriteTurns(database)
        self.on_teams_changed = on_teams_changed  # async (set of team ids) -> None: Home tabs to refresh
        self._clients: dict[str, tuple[float, AsyncWebClient]] = {}
        self._problems_told: set[tuple[str, str]] = set()

    async def destinations(self, items: list[SlackOutboxItem]) -> dict[int, Target]:
        """Each item's conversation and destination, or a reason to wait (no channel yet, app uninstalled), by
        item id: one query for all of them (conversations, their numbers and accounts)."""
        wanted = {item.conversation_id for item in items if item.conversation_id is not None}
        rows: dict[int, tuple[Conversation, PhoneNumber | None, WhatsAppAccount | None]] = {}
        if wanted:
            async with self.database.session() as session:
                result = await session.execute(_DESTINATIONS, {"ids": list(wanted)})
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
            return await self._notice_destination(item)
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

    async def _notice_destination(self, item: SlackOutboxItem
                                  ) -> tuple[Conversation | None, Destination | None, str | None]:
        """A channel notice goes to its number's channel, or to a person's DM (chat.postMessage to a user id)."""
        args = json.loads(item.args)
        channel = args.get("user_id")
        name, pnid = None, ""
        if not channel and args.get("phone_number_row_id"):
            async with self.database.session() as session:
                number = await session.get(PhoneNumber, int(args["phone_number_row_id"]))
            if number is None or not number.slack_channel_id:
                return None, None, "the number has no Slack channel"
            channel, name, pnid = number.slack_channel_id, number.verified_name, number.phone_number_id
        if not channel:
            return None, None, "a notice without a destination"
        client = await self.client(item.team_id)
        if client is None:
            return None, None, "the app is not installed in this workspace"
        placeholder = Conversation(id=None, phone_number_row_id=0, candidate_key="", marketing_opt_out=False,
                                   unread_count=0)
        return placeholder, Destination(client=client, channel_id=channel, business_name=name, phone_number_id=pnid,
                                        business_token=None), None

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
        """A post's ts becomes its message's Slack copy (the first part, for a split message); one executemany.
        Writes that went through clear their numbers' Slack problem (one UPDATE, and only then a Home tab)."""
        copies = [{"message_id": item.message_id, "ts": ts} for item, ts in done
                  if ts and item.message_id is not None and item.kind in ("post", "upload")
                  and ts.replace(".", "").isdigit()]
        if copies:
            table = MirroredMessage.__table__  # type: ignore[attr-defined]
            await session.execute(update(table).where(table.c.id == bindparam("message_id"), table.c.slack_ts.is_(None))
                                  .values(slack_ts=bindparam("ts")), copies)
        conversations = {item.conversation_id for item, _ in done if item.conversation_id is not None}
        rows = {json.loads(item.args).get("phone_number_row_id") for item, _ in done if item.conversation_id is None}
        rows.discard(None)
        if not conversations and not rows:
            return
        cleared = await session.execute(_CLEAR_PROBLEMS, {"conversations": list(conversations), "rows": list(rows)})
        if cleared.rowcount:
            self._problems_told.clear()
            for team_id in {item.team_id for item, _ in done}:
                await self._refresh(team_id)

    async def _number_row_of(self, session: AsyncSession, item: SlackOutboxItem) -> int | None:
        if item.conversation_id is not None:
            conversation = await session.get(Conversation, item.conversation_id)
            return conversation.phone_number_row_id if conversation else None
        return json.loads(item.args).get("phone_number_row_id")

    async def _refresh(self, team_id: str) -> None:
        if self.on_teams_changed is not None:
            try:
                await self.on_teams_changed({team_id})
            except Exception as exc:  # the Home tab catches up on its next open
                log.warning("home tab refresh for %s failed: %s", team_id, exc)

    async def channel_problem(self, item: SlackOutboxItem, reason: str) -> None:
        """A channel that needs a person (archived, bot removed): recorded on the number for its Home tab, and
        its connector is told once; the writes wait. Workspace-wide problems (uninstalled) are only logged."""
        self.forget_client(item.team_id)  # a reinstall brings a new token: look it up again next time
        if reason not in CHANNEL_PROBLEMS:
            if (item.team_id, reason) not in self._problems_told:
                self._problems_told.add((item.team_id, reason))
                log.warning("slack writes for workspace %s wait: %s", item.team_id, reason)
            return
        async with self.database.session() as session:
            row_id = await self._number_row_of(session, item)
            if row_id is None:
                return
            changed = await session.execute(update(PhoneNumber).where(
                col(PhoneNumber.id) == row_id,
                or_(col(PhoneNumber.slack_problem).is_(None), col(PhoneNumber.slack_problem) != reason),
            ).values(slack_problem=reason))
            if changed.rowcount:
                number = await session.get(PhoneNumber, row_id)
                account = await session.get(WhatsAppAccount, number.account_id) if number else None
                if number is not None and account is not None and account.connected_by_user_id:
                    await OutboxRepository(session).add(
                        dedupe_key=f"slack-problem:{row_id}:{reason}:{utcnow().isoformat()}", team_id=item.team_id,
                        lane=f"user:{account.connected_by_user_id}", kind=ChannelNotice.kind,
                        args={"text": wording.slack_problem_dm(number.display_phone_number, reason),
                              "user_id": account.connected_by_user_id})
            await session.commit()
        if changed.rowcount:
            log.warning("slack writes for number row %s wait: %s", row_id, reason)
            await self._refresh(item.team_id)


# built once, values as parameters (building them per claim and per finished batch cost more CPU than running
# them); the UPDATE on the table, without the ORM's bulk-update bookkeeping
_DESTINATIONS = (select(Conversation, PhoneNumber, WhatsAppAccount)
                 .outerjoin(PhoneNumber, col(PhoneNumber.id) == col(Conversation.phone_number_row_id))
                 .outerjoin(WhatsAppAccount, col(WhatsAppAccount.id) == col(PhoneNumber.account_id))
                 .where(col(Conversation.id).in_(bindparam("ids", expanding=True))))
_NUMBERS = PhoneNumber.__table__  # type: ignore[attr-defined]
_CLEAR_PROBLEMS = update(_NUMBERS).where(
    _NUMBERS.c.slack_problem.is_not(None),
    or_(_NUMBERS.c.id.in_(select(Conversation.__table__.c.phone_number_row_id)  # type: ignore[attr-defined]
                          .where(Conversation.__table__.c.id.in_(bindparam("conversations", expanding=True)))),  # type: ignore[attr-defined]
        _NUMBERS.c.id.in_(bindparam("rows", expanding=True)))).values(slack_problem=None)


def _window_end(conversation: Conversation) -> datetime | None:
    """Until when the parent shows the window open; None once it shows it closed (nothing left to update)."""
    if conversation.last_inbound_at is None:
        return None
    end = conversation.last_inbound_at + timedelta(hours=24)
    return end if end > utcnow() else None
