"""What sending a reply needs from the database and Slack: the conversation, its number and business token, the
workspace's Slack client; mention names for the text; and the read mark after a reply went out."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import bindparam, select, update
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.slack_to_whatsapp import mentioned_users, to_whatsapp
from relay.inbound.write_turns import WriteTurns
from relay.outbound.delivery import SendFrom
from storage.cipher import TokenCipher
from storage.database import Database
from storage.messaging_models import Conversation, MessageDirection, MirroredMessage
from storage.models import AccountStatus, PhoneNumber, WhatsAppAccount
from storage.outbound_models import WhatsAppOutboxItem
from whatsapp.graph import GraphClient

NOT_INSTALLED = "the app is not installed in this workspace"
ClientForTeam = Callable[[str], Awaitable[AsyncWebClient | None]]


# a reply's conversation, its number and that number's account, in one query (built once)
_CONTEXT = (select(Conversation, PhoneNumber, WhatsAppAccount)
            .outerjoin(PhoneNumber, col(PhoneNumber.id) == col(Conversation.phone_number_row_id))
            .outerjoin(WhatsAppAccount, col(WhatsAppAccount.id) == col(PhoneNumber.account_id))
            .where(col(Conversation.id) == bindparam("conversation_id")))


@dataclass(frozen=True)
class ReplyContext:
    conversation: Conversation
    sender: SendFrom
    client: AsyncWebClient
    candidate_name: str | None


class ReplyContexts:
    def __init__(self, database: Database, cipher: TokenCipher, graph: GraphClient, client_for_team: ClientForTeam,
                 turns: WriteTurns | None = None):
        self.database, self.cipher, self.graph, self.client_for_team = database, cipher, graph, client_for_team
        self.turns = turns or WriteTurns(database)
        self._names: dict[tuple[str, str], str] = {}

    async def for_item(self, item: WhatsAppOutboxItem) -> ReplyContext | str:
        """The item's context, or why nothing can be sent from its thread."""
        async with self.database.session() as session:
            found = (await session.execute(_CONTEXT, {"conversation_id": item.conversation_id})).first()
        conversation, number, account = found if found is not None else (None, None, None)
        if conversation is None or number is None or account is None or number.released_at is not None:
            return "the conversation's number is no longer connected here"
        if account.status != AccountStatus.ACTIVE.value or not number.enabled:
            return "the number is disconnected or paused"
        if not account.business_token_encrypted:
            return "the number has no business token (reconnect it)"
        to = conversation.wa_id or conversation.user_id
        if not to:
            return "the candidate has neither a phone number nor a WhatsApp user id"
        client = await self.client_for_team(item.team_id)
        if client is None or not client.token:
            return NOT_INSTALLED
        sender = SendFrom(phone_number_id=number.phone_number_id,
                          business_token=self.cipher.decrypt(account.business_token_encrypted), to=to,
                          bot_token=client.token)
        return ReplyContext(conversation=conversation, sender=sender, client=client,
                            candidate_name=conversation.profile_name or conversation.username)

    async def whatsapp_text(self, item: WhatsAppOutboxItem, context: ReplyContext) -> str:
        """The reply's text in WhatsApp's formatting, mentions by display name (users.info)."""
        names = {user: await self._name(item.team_id, user, context.client) for user in mentioned_users(item.text)}
        return to_whatsapp(item.text, names)

    async def _name(self, team_id: str, user_id: str, client: AsyncWebClient) -> str:
        key = (team_id, user_id)
        if key not in self._names:
            try:
                user = (await client.users_info(user=user_id)).get("user") or {}
            except SlackApiError:
                return "someone"
            profile = user.get("profile") or {}
            self._names[key] = (profile.get("display_name") or profile.get("real_name") or user.get("real_name")
                                or user.get("name") or "someone")
        return self._names[key]

    @staticmethod
    async def clear_unread(session: AsyncSession, conversation_id: int) -> str | None:
        """In the caller's transaction (the one recording the sent reply): the conversation's unread count
        starts again from zero; the candidate's latest message to mark read, or None when nothing was unread
        (the candidate wrote nothing since the last reply marked their latest message read)."""
        cleared = await session.execute(update(Conversation).where(
            col(Conversation.id) == conversation_id, col(Conversation.unread_count) > 0).values(unread_count=0))
        if not cleared.rowcount:  # type: ignore[attr-defined]
            return None
        return (await session.execute(
            select(MirroredMessage.wamid).where(
                col(MirroredMessage.conversation_id) == conversation_id,
                col(MirroredMessage.direction) == MessageDirection.INBOUND.value)
            .order_by(col(MirroredMessage.sent_at).desc(), col(MirroredMessage.id).desc()).limit(1)
        )).scalars().first()

    async def mark_read(self, context: ReplyContext, wamid: str) -> None:
        """The candidate's message ``wamid`` is marked read on WhatsApp."""
        await self.graph.mark_as_read(context.sender.phone_number_id, context.sender.business_token, wamid)
