"""What a finished /template send tells Slack, through the Slack outbox: a single recipient's failure in its
thread (or, without a thread yet, in the number's channel), and a bulk send's one summary in the number's channel
(unique per batch)."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from bot import template_send_wording as words
from bot.slack_writes import ChannelNotice, ThreadPost, write_args
from storage.repositories.outbox import OutboxRepository
from storage.template_send_models import RecipientState, TemplateSendBatch, TemplateSendRecipient

FAILED_STATES = (RecipientState.FAILED.value, RecipientState.FAILED_UNKNOWN.value)


async def queue_outcome(session: AsyncSession, batch: TemplateSendBatch,
                        recipients: list[TemplateSendRecipient]) -> int:
    """Queue what the settled batch says; the number of Slack writes queued (0 or 1)."""
    outbox = OutboxRepository(session)
    key = f"template-batch:{batch.id}:outcome"
    failed = [r for r in recipients if r.state in FAILED_STATES]
    if batch.total == 1:
        if not failed or failed[0].wamid:  # sent, or sent then failed: the status already told the thread
            return 0
        recipient = failed[0]
        text = words.send_failed(batch.template_name, recipient.label, recipient.error or "no reason given")
        if recipient.conversation_id is not None:
            added = await outbox.add(dedupe_key=key, team_id=batch.team_id, lane=f"conv:{recipient.conversation_id}",
                                     kind=ThreadPost.kind, conversation_id=recipient.conversation_id,
                                     args=write_args(ThreadPost(text=text, as_candidate=False)))
            return int(added is not None)
        return await _notice(outbox, batch, key, text)
    sent = sum(1 for r in recipients if r.state == RecipientState.SENT.value)
    text = words.summary(batch.template_name, batch.slack_user_id, sent,
                         [(r.label, r.error or "no reason given") for r in failed])
    return await _notice(outbox, batch, key, text)


async def _notice(outbox: OutboxRepository, batch: TemplateSendBatch, key: str, text: str) -> int:
    """In the number's channel; to the sender alone when the number is gone."""
    if batch.phone_number_row_id is not None:
        notice = ChannelNotice(text=text, phone_number_row_id=batch.phone_number_row_id)
        lane = f"number:{batch.phone_number_row_id}"
    else:
        notice = ChannelNotice(text=text, user_id=batch.slack_user_id)
        lane = f"user:{batch.slack_user_id}"
    added = await outbox.add(dedupe_key=key, team_id=batch.team_id, lane=lane, kind=ChannelNotice.kind,
                             args=write_args(notice))
    return int(added is not None)
