"""A sent template becomes part of its candidate's conversation, whether Meta's answer or a status webhook said
it was sent: the conversation found or created (keyed by the wa_id Meta answered, which may differ from the
input), an outbound mirrored message with the wamid (so statuses mark it), and the thread post in the Slack
outbox (the thread parent comes first for a new number). Statuses name their row through
``biz_opaque_callback_data``, so a send whose answer was lost is confirmed, never sent again."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from bot import template_send_wording as words
from bot.slack_writes import ThreadPost, write_args
from storage.messaging_models import MessageDirection
from storage.models import utcnow
from storage.repositories.conversations import ConversationRepository
from storage.repositories.outbox import OutboxRepository
from storage.repositories.template_sends import TemplateSendRepository
from storage.template_send_models import OPEN_RECIPIENT_STATES, TemplateSendBatch, TemplateSendRecipient
from whatsapp.webhook_models import StatusKind, StatusUpdate

CALLBACK_PREFIX = "template:"


def callback_data(recipient_id: int) -> str:
    """What a template send carries to Meta, to be echoed in its statuses."""
    return f"{CALLBACK_PREFIX}{recipient_id}"


def parse_callback(data: str | None) -> int | None:
    """The recipient row a status names, or None when it is not one of our template sends."""
    if not data or not data.startswith(CALLBACK_PREFIX):
        return None
    value = data.removeprefix(CALLBACK_PREFIX)
    return int(value) if value.isdigit() else None


async def prefetch_recipients(session: AsyncSession, statuses: list[StatusUpdate]) -> None:
    """The recipient rows a batch of statuses names, read in one query before they are applied."""
    await TemplateSendRepository(session).load(
        {ref for status in statuses if (ref := parse_callback(status.callback_data)) is not None})


async def record_sent(session: AsyncSession, recipient: TemplateSendRecipient, batch: TemplateSendBatch,
                      wamid: str, wa_id: str | None) -> bool:
    """Meta accepted the send: the row is sent, the message mirrored, its thread post queued. True when this
    call recorded it (a second report of the same send changes nothing)."""
    assert recipient.id is not None and batch.phone_number_row_id is not None
    conversations = ConversationRepository(session)
    to = wa_id or recipient.wa_id
    conversation = await conversations.get(recipient.conversation_id) if recipient.conversation_id else None
    if conversation is None:
        if not to:
            return False
        conversation = await conversations.conversation(batch.phone_number_row_id, to)
        if to.isdigit():
            conversation.wa_id = conversation.wa_id or to
        else:  # a business-scoped user id (reference 2.8)
            conversation.user_id = conversation.user_id or to
    assert conversation.id is not None
    if not await TemplateSendRepository(session).sent(recipient.id, wamid=wamid, conversation_id=conversation.id,
                                                      wa_id=to):
        return False
    preview = recipient.preview_text if recipient.preview_text is not None else batch.preview_text
    message_id = await conversations.add_message(
        wamid=wamid, conversation_id=conversation.id, direction=MessageDirection.OUTBOUND.value, type="template",
        sent_at=utcnow(), text=preview or batch.template_name)
    if message_id is None:
        message = await conversations.message(wamid)
        message_id = message.id if message else None
    await OutboxRepository(session).add(
        dedupe_key=f"template:{recipient.id}:sent", team_id=batch.team_id, lane=f"conv:{conversation.id}",
        kind=ThreadPost.kind, message_id=message_id, conversation_id=conversation.id,
        args=write_args(ThreadPost(text=words.sent_in_thread(batch.template_name, batch.slack_user_id, preview),
                                   as_candidate=False)))
    conversation.updated_at = utcnow()
    session.add(conversation)
    return True


async def adopt_template_status(session: AsyncSession, status: StatusUpdate) -> int:
    """Before a status is applied: a template send it names is recorded as sent if its answer never came, and
    the row learns its delivery (a failure makes it failed, for the batch's summary). Slack writes queued."""
    recipient_id = parse_callback(status.callback_data)
    if recipient_id is None:
        return 0
    repository = TemplateSendRepository(session)
    recipient = await repository.get(recipient_id)
    if recipient is None:
        return 0
    queued = 0
    if recipient.state in OPEN_RECIPIENT_STATES:
        batch = await repository.batch(recipient.batch_id)
        if batch is not None and await record_sent(session, recipient, batch, status.id,
                                                              status.recipient_id or status.recipient_user_id):
            queued = 1
    error = status.errors[0] if status.errors else None
    reason = words.meta_refused(error.code, error.title or error.message, error.details) if error else None
    await repository.reported(recipient_id, status.status.value, error_code=error.code if error else None,
                              error=reason if status.status is StatusKind.FAILED else None)
    return queued
