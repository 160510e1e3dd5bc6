"""Status webhooks meeting recruiters' replies: each send carries ``biz_opaque_callback_data`` naming its outbox
row and part, and Meta echoes it in every status (meta reference 3.6). That lets a send whose answer was lost be
confirmed (its wamid recorded, the parts after it sent) instead of sent again, and a late 131047 reach the
replier."""

from __future__ import annotations

import json

from sqlalchemy import update
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.messaging_models import MessageDirection
from storage.models import utcnow
from storage.outbound_models import OutboundState, WhatsAppOutboxItem
from storage.repositories.conversations import ConversationRepository
from storage.repositories.whatsapp_outbox import WhatsAppOutboxRepository
from whatsapp.webhook_models import StatusKind, StatusUpdate

CALLBACK_PREFIX = "reply:"
WINDOW_CLOSED_CODE = 131047


def callback_data(item_id: int, part: int) -> str:
    """What a reply's part carries to Meta, to be echoed in its statuses."""
    return f"{CALLBACK_PREFIX}{item_id}:{part}"


def parse_callback(data: str | None) -> tuple[int, int] | None:
    """(outbox row id, part) from a status's callback data, or None when it is not one of ours."""
    if not data or not data.startswith(CALLBACK_PREFIX):
        return None
    item, _, part = data.removeprefix(CALLBACK_PREFIX).partition(":")
    return (int(item), int(part)) if item.isdigit() and part.isdigit() else None


async def record_sent_part(session: AsyncSession, item: WhatsAppOutboxItem, part: int, wamid: str,
                           message_type: str, summary: str | None) -> None:
    """The part reached Meta: its wamid becomes a mirrored message (direction out) on the recruiter's Slack
    message, so delivery statuses mark it; the row moves past the part. Safe to run twice."""
    await ConversationRepository(session).add_message(
        wamid=wamid, conversation_id=item.conversation_id, direction=MessageDirection.OUTBOUND.value,
        type=message_type, sent_at=utcnow(), text=summary, slack_ts=item.slack_ts)
    assert item.id is not None
    await WhatsAppOutboxRepository(session).part_done(item.id, part)


async def adopt_status(session: AsyncSession, status: StatusUpdate, *, recorded: bool) -> None:
    """Before a status is applied: if it names a reply's part we have no wamid for (``recorded`` is False: the
    answer to the send was lost, or the status overtook it), record it now; a 131047 failure tells the replier
    about the window."""
    ref = parse_callback(status.callback_data)
    window_closed = status.status is StatusKind.FAILED and any(e.code == WINDOW_CLOSED_CODE for e in status.errors)
    if ref is None or (recorded and not window_closed):  # the usual case: nothing to adopt, no query
        return
    item = await WhatsAppOutboxRepository(session).get(ref[0])
    if item is None:
        return
    if not recorded:
        plan = json.loads(item.plan) if item.plan else []
        part = plan[ref[1]] if 0 <= ref[1] < len(plan) else {}
        await record_sent_part(session, item, ref[1], status.id, str(part.get("media") or "text"), None)
    if window_closed:
        await session.execute(update(WhatsAppOutboxItem).where(
            col(WhatsAppOutboxItem.id) == item.id,
            col(WhatsAppOutboxItem.state) == OutboundState.SENT.value,
        ).values(state=OutboundState.TELL_WINDOW.value, next_attempt_at=utcnow(), done_at=None))
