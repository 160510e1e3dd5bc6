"""What people are told about a recruiter's reply: failures in the thread for the whole channel (queued in the
Slack outbox, so they follow the conversation's other posts in order) and the closed 24-hour window to the
replier alone, with the Send a template button."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

from slack_sdk.errors import SlackApiError

from bot import wording
from bot.listeners.replies import ACTION_OPEN_TEMPLATE_MODAL
from bot.mrkdwn import escape_mrkdwn
from bot.slack_writes import ThreadPost, write_args
from bot.status_wording import (
    file_refused_notice,
    outcome_unknown_notice,
    reply_gave_up,
    reply_not_sendable,
    send_failed_notice,
)
from relay.inbound.write_turns import WriteTurns
from relay.outbound.context import ReplyContext
from storage.database import Database
from storage.outbound_models import WhatsAppOutboxItem
from storage.repositories.outbox import OutboxRepository

log = logging.getLogger("waslack.outbound")


def window_closed_blocks(candidate: str | None, conversation_id: int) -> list[dict]:
    """The ephemeral's blocks: why nothing was sent, and the button to the template modal for this candidate."""
    text = wording.window_closed_ephemeral(escape_mrkdwn(candidate) if candidate else None)
    return [
        {"type": "section", "text": {"type": "mrkdwn", "text": text}},
        {"type": "actions", "block_id": "window_closed", "elements": [{
            "type": "button", "action_id": ACTION_OPEN_TEMPLATE_MODAL, "style": "primary",
            "text": {"type": "plain_text", "text": wording.SEND_TEMPLATE_BUTTON},
            "value": str(conversation_id)}]},
    ]


class ReplyNotices:
    def __init__(self, database: Database, on_queued: Callable[[], None] | None = None,
                 turns: WriteTurns | None = None):
        self.database, self.on_queued = database, on_queued
        self.turns = turns or WriteTurns(database)

    async def _thread(self, item: WhatsAppOutboxItem, key: str, text: str) -> None:
        async with self.turns.session() as session:
            await OutboxRepository(session).add(
                dedupe_key=f"reply:{item.id}:{key}", team_id=item.team_id, lane=f"conv:{item.conversation_id}",
                kind=ThreadPost.kind, args=write_args(ThreadPost(text=text, as_candidate=False)),
                conversation_id=item.conversation_id)
            await session.commit()
        if self.on_queued is not None:
            self.on_queued()

    async def send_failed(self, item: WhatsAppOutboxItem, context: ReplyContext, code: int | None,
                          title: str | None, details: str | None) -> None:
        await self._thread(item, "failed", send_failed_notice(code, title, details))

    async def file_refused(self, item: WhatsAppOutboxItem, context: ReplyContext, index: int, name: str,
                           reason: str, *, with_caption: bool = False) -> None:
        await self._thread(item, f"file:{index}", file_refused_notice(name, reason, with_caption=with_caption))

    async def outcome_unknown(self, item: WhatsAppOutboxItem, context: ReplyContext, waited: timedelta) -> None:
        await self._thread(item, "unknown", outcome_unknown_notice(max(1, round(waited.total_seconds() / 60))))

    async def not_sendable(self, item: WhatsAppOutboxItem, reason: str) -> None:
        await self._thread(item, "not-sendable", reply_not_sendable(reason))

    async def gave_up(self, item: WhatsAppOutboxItem, context: ReplyContext, reason: str) -> None:
        await self._thread(item, "gave-up", reply_gave_up(reason))

    async def window_closed(self, item: WhatsAppOutboxItem, context: ReplyContext) -> None:
        """Only the replier sees it (chat.postEphemeral); an ephemeral cannot be repeated or reconciled, so a
        failure is logged."""
        assert context.conversation.id is not None
        blocks = window_closed_blocks(context.candidate_name, context.conversation.id)
        try:
            await context.client.chat_postEphemeral(
                channel=item.slack_channel_id, user=item.slack_user_id, thread_ts=item.thread_ts,
                text=wording.window_closed_ephemeral(context.candidate_name), blocks=blocks)
        except SlackApiError as exc:
            log.warning("window-closed notice for reply %s not shown: %s", item.id, exc.response.get("error"))
