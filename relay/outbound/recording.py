"""Recording recruiters' replies to a candidate (once) for sending.

Only records: the work happens in the outbound worker. A Slack retry or duplicate delivery of the same message
hits the unique (channel, ts) of the WhatsApp outbox and adds nothing.
"""

from __future__ import annotations

from bot.listeners.replies import ThreadReply
from relay.inbound.write_turns import WriteTurns
from storage.database import Database
from storage.repositories.whatsapp_outbox import WhatsAppOutboxRepository


async def record_reply(database: Database, reply: ThreadReply, turns: WriteTurns | None = None) -> int | None:
    """Store the reply for sending when its thread is a candidate's; the new row id, or None (not a candidate's
    thread, or recorded before)."""
    # urgent: Slack waits for this write before it hears the acknowledgement
    async with (turns.session(urgent=True) if turns is not None else database.session()) as session:
        outbox = WhatsAppOutboxRepository(session)
        conversation = await outbox.conversation_for_thread(reply.channel_id, reply.thread_ts)
        if conversation is None or conversation.id is None:
            return None
        row_id = await outbox.add(team_id=reply.team_id, channel_id=reply.channel_id, ts=reply.ts,
                                  thread_ts=reply.thread_ts, user_id=reply.user_id,
                                  conversation_id=conversation.id, text=reply.text,
                                  files=[dict(f) for f in reply.files])
        await session.commit()
    return row_id
