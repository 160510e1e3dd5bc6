"""A recruiter's reply in a candidate's thread reaches the candidate on WhatsApp, once, in WhatsApp's words."""

from __future__ import annotations

import asyncio

from tests.outbound.conftest import CANDIDATE


async def test_a_thread_reply_reaches_the_candidate_once_despite_slack_retries_and_duplicates(outbound):
    first = await outbound.reply("Yes! Can you talk tomorrow at 10?")
    event = {"type": "message", "channel": outbound.channel_id, "user": outbound.recruiter,
             "text": "Yes! Can you talk tomorrow at 10?", "ts": first["ts"], "thread_ts": outbound.thread_ts}
    await outbound.event(event, event_id=first["event_id"], retry_num=1, retry_reason="http_timeout")
    await outbound.event(event, event_id=first["event_id"])  # a duplicate delivery
    await outbound.event(event)  # the same message under another event id
    sent = await outbound.wait_sent(1)
    await outbound.settled()
    await asyncio.sleep(0.5)
    sent = await outbound.sent()
    assert len(sent) == 1, sent
    assert sent[0]["to"] == CANDIDATE and sent[0]["text"]["body"] == "Yes! Can you talk tomorrow at 10?"
    assert sent[0]["biz_opaque_callback_data"].startswith("reply:")


async def test_bots_edits_deletions_top_level_messages_and_our_own_posts_never_relay(outbound):
    ws = outbound.stack.workspace
    thread = outbound.thread_ts
    ignored = [
        {"text": "from another app", "bot_id": "B0OTHER", "subtype": "bot_message"},
        {"text": "our own post", "user": ws.bot_user_id, "bot_id": ws.bot_id},
        {"text": "edited", "subtype": "message_changed", "hidden": True,
         "message": {"type": "message", "user": outbound.recruiter, "text": "edited", "ts": thread,
                     "thread_ts": thread}},
        {"subtype": "message_deleted", "hidden": True, "deleted_ts": thread},
        {"text": "someone joined", "subtype": "channel_join"},
    ]
    for extra in ignored:
        await outbound.reply(**{"text": "", **extra})
    await outbound.reply("a top-level message", thread_ts=outbound.next_ts())  # another thread: not a candidate's
    top = {"type": "message", "channel": outbound.channel_id, "user": outbound.recruiter, "text": "top level",
           "ts": outbound.next_ts()}
    await outbound.event(top)
    await outbound.reply("the one that counts")
    sent = await outbound.wait_sent(1)
    await asyncio.sleep(1.0)
    sent = await outbound.sent()
    assert [m["text"]["body"] for m in sent] == ["the one that counts"]
    assert len(await outbound.rows()) == 1


async def test_mentions_links_channels_and_entities_become_whatsapp_text(outbound):
    ws = outbound.stack.workspace
    mention = outbound.stack.slack.workspace(ws.team_id).users[ws.member_user_id]
    text = (f"Hi! <@{ws.member_user_id}> will call you. See <https://jobs.example.com/42|the job> and "
            "<https://example.com/faq>, ask in <#C0PUBLIC|recruiting>. *Salary*: 5 &lt; 6 &amp; _remote_ ~no~ "
            "`code` <!here>")
    await outbound.reply(text)
    sent = await outbound.wait_sent(1)
    body = sent[0]["text"]["body"]
    assert body == (f"Hi! @{mention.name} will call you. See the job (https://jobs.example.com/42) and "
                    "https://example.com/faq, ask in #recruiting. *Salary*: 5 < 6 & _remote_ ~no~ `code`")


async def test_a_long_reply_arrives_as_ordered_parts_of_at_most_4096_characters(outbound):
    paragraphs = [f"Paragraph {i}: " + ("lorem ipsum " * 40).strip() for i in range(11)]
    text = "\n\n".join(paragraphs)
    assert len(text) > 5000
    await outbound.reply(text)
    sent = await outbound.wait_sent(2)
    await outbound.settled()
    bodies = [m["text"]["body"] for m in await outbound.sent()]
    assert len(bodies) == 2 and all(len(b) <= 4096 for b in bodies)
    assert "\n\n".join(bodies) == text
    assert [m["biz_opaque_callback_data"] for m in sent][-2:] == [f"reply:{(await outbound.rows())[0].id}:{i}"
                                                                  for i in range(2)]


async def test_a_note_stays_in_slack_and_a_broadcast_reply_counts(outbound):
    await outbound.reply("NOTE: she sounded keen, call back Friday")
    await outbound.reply("  note: internal only")
    await outbound.reply("We will send the contract today", subtype="thread_broadcast")
    await outbound.wait_sent(1)
    await asyncio.sleep(0.8)
    assert [m["text"]["body"] for m in await outbound.sent()] == ["We will send the contract today"]
    assert len(await outbound.rows()) == 1
