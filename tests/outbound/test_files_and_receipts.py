"""Files in replies reach the candidate as the right WhatsApp message type (or the thread says why not); a
candidate known only by a business-scoped id is answered; delivery marks and the read receipt follow a reply."""

from __future__ import annotations

import base64
import json

from sqlalchemy import select

from storage.messaging_models import MessageDirection, MirroredMessage, SlackOutboxItem
from tests.outbound.conftest import eventually

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


async def _slack_file(outbound, name: str, content: bytes, channel: str | None = None,  # type: ignore[no-untyped-def]
                      mimetype: str | None = None) -> dict:
    body = {"channel": channel or outbound.channel_id, "name": name, "user_id": outbound.recruiter,
            "content_base64": base64.b64encode(content).decode()}
    if mimetype:
        body["mimetype"] = mimetype
    response = await outbound.stack.http.post(f"{outbound.stack.slack_sim_url}/_sim/slack/human_files", json=body)
    assert response.status_code == 201, response.text
    return response.json()["file"]


async def _notice(outbound, words: str) -> dict:  # type: ignore[no-untyped-def]
    async def find() -> dict | None:
        return next((m for m in await outbound.thread_messages() if words in m.get("text", "")), None)
    return await eventually(find, what=f"a thread notice saying {words!r}")


async def test_a_document_and_an_image_arrive_as_such_with_the_caption(outbound):
    cv = await _slack_file(outbound, "contract.pdf", PDF)
    photo = await _slack_file(outbound, "office.png", PNG)
    await outbound.reply("Here is the contract", subtype="file_share", files=[cv])
    await outbound.reply("", subtype="file_share", files=[photo])
    sent = await outbound.wait_sent(2)
    assert sent[0]["type"] == "document"
    assert sent[0]["document"]["filename"] == "contract.pdf"
    assert sent[0]["document"]["caption"] == "Here is the contract"
    assert sent[1]["type"] == "image" and "caption" not in sent[1]["image"]
    media = outbound.stack.meta.media[sent[0]["document"]["id"]]
    assert media.data == PDF  # the file's bytes, not Slack's sign-in page


async def test_a_video_carries_the_caption_and_a_voice_note_follows_its_text(outbound):
    video = await _slack_file(outbound, "tour.mp4", b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 64)
    voice = await _slack_file(outbound, "hello.ogg", b"OggS" + b"\x00" * 64, mimetype="audio/ogg")
    await outbound.reply("Our office tour", subtype="file_share", files=[video])
    await outbound.reply("Listen to this", subtype="file_share", files=[voice])
    sent = await outbound.wait_sent(3)
    assert (sent[0]["type"], sent[0]["video"]["caption"]) == ("video", "Our office tour")
    assert (sent[1]["type"], sent[1]["text"]["body"]) == ("text", "Listen to this")  # audio takes no caption
    assert sent[2]["type"] == "audio" and "caption" not in sent[2]["audio"]


async def test_files_whatsapp_cannot_take_are_explained_in_the_thread(outbound):
    archive = await _slack_file(outbound, "portfolio.zip", b"PK\x03\x04" + b"\x00" * 32, mimetype="application/zip")
    big = await _slack_file(outbound, "huge.png", PNG + b"\x00" * (5 * 1024 * 1024))
    await outbound.reply("two files", subtype="file_share", files=[archive, big])
    refused = await _notice(outbound, "portfolio.zip")
    assert "does not accept application/zip" in refused["text"]
    too_big = await _notice(outbound, "huge.png")
    assert "up to 5 MB" in too_big["text"]
    await outbound.settled()
    assert [m["text"]["body"] for m in await outbound.sent()] == ["two files"]  # the text still went


async def test_a_sign_in_page_instead_of_the_file_is_detected_not_forwarded(outbound):
    hidden = await _slack_file(outbound, "secret.pdf", PDF, channel=outbound.stack.workspace.nobot_channel_id)
    await outbound.reply("", subtype="file_share", files=[hidden])
    notice = await _notice(outbound, "secret.pdf")
    assert "sign-in page" in notice["text"]
    await outbound.settled()
    assert await outbound.sent() == []


async def test_a_candidate_known_only_by_a_business_scoped_id_is_answered_with_recipient(outbound):
    await outbound.candidate_writes("hi from my username", **{"from": None, "user_id": "US.13491208655302741918"})
    thread = await outbound.open_thread("US.13491208655302741918")
    await outbound.reply("Hello! Thanks for writing", thread_ts=thread)
    sent = await outbound.wait_sent(1)
    assert sent[0]["recipient"] == "US.13491208655302741918" and "to" not in sent[0]


async def test_the_reply_gets_delivery_marks_and_the_candidate_a_read_receipt(outbound):
    conversation = await outbound.conversation()
    assert conversation.unread_count == 1
    reply = await outbound.reply("Thanks, talk soon")
    await outbound.wait_sent(1)

    async def read_mark() -> bool:
        mine = next(m for m in await outbound.thread_messages() if m["ts"] == reply["ts"])
        return "eyes" in {r["name"] for r in mine.get("reactions", [])}
    await eventually(read_mark, within=20, what="the read mark on the recruiter's reply")
    inbound = next(iter(outbound.stack.meta.inbound))
    assert [r["message_id"] for r in outbound.stack.meta.read_receipts] == [inbound]
    assert (await outbound.conversation()).unread_count == 0

    # a second reply with nothing new from the candidate marks nothing again
    await outbound.reply("One more thing: bring your ID")
    await outbound.wait_sent(2)

    async def both_done() -> bool:  # the read receipt, when there is one, comes before a reply is done
        return [r.state for r in await outbound.rows()] == ["sent", "sent"]
    await eventually(both_done, what="both replies done")
    assert [r["message_id"] for r in outbound.stack.meta.read_receipts] == [inbound]


async def test_statuses_that_arrive_before_their_mark_is_shown_cost_one_slack_write(outbound):
    """Sent, delivered and read come in while Slack writes wait (a busy relay): the waiting mark shows read at
    once, one reactions.add, instead of three marks and two removals."""
    await outbound.stack.relay.inbound.outbox_worker.stop()  # the marks wait, as behind a busy channel
    reply = await outbound.reply("See you on Monday")
    await outbound.wait_sent(1)
    database = outbound.stack.services.database

    async def read() -> bool:
        async with database.session() as session:
            statuses = (await session.execute(select(MirroredMessage.status).where(
                MirroredMessage.direction == MessageDirection.OUTBOUND.value))).scalars().all()
        return list(statuses) == ["read"]
    await eventually(read, within=20, what="Meta's read status")
    async with database.session() as session:
        marks = (await session.execute(select(SlackOutboxItem).where(SlackOutboxItem.kind == "status"))).scalars().all()
    assert len(marks) == 1, [m.args for m in marks]
    assert json.loads(marks[0].args)["status"] == "read"

    outbound.stack.relay.inbound.outbox_worker.start()

    async def shown() -> set[str]:
        mine = next(m for m in await outbound.thread_messages() if m["ts"] == reply["ts"])
        return {r["name"] for r in mine.get("reactions", [])}
    await eventually(lambda: shown(), what="the read mark")
    assert await shown() == {"eyes"}
    adds = [c for c in await outbound.stack.slack_calls("reactions.add") if c["args"].get("timestamp") == reply["ts"]]
    assert [c["args"]["name"] for c in adds] == ["eyes"]


async def test_read_receipts_can_be_switched_off(outbound):
    outbound.stack.relay.outbound.worker.read_receipts = False
    await outbound.reply("Thanks")
    await outbound.wait_sent(1)
    await outbound.settled()
    await eventually(lambda: _unread_is_zero(outbound), what="the unread count reset")
    assert outbound.stack.meta.read_receipts == []


async def _unread_is_zero(outbound) -> bool:  # type: ignore[no-untyped-def]
    return (await outbound.conversation()).unread_count == 0
