"""Each inbound type as the recruiter sees it in the thread (reference 3.5), through both simulators."""

from __future__ import annotations

import base64

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(64)
PDF = b"%PDF-1.4\n" + b"1 0 obj<<>>endobj\n" * 20 + b"%%EOF\n"
CANDIDATE = {"from": "447700900123", "name": "Priya Natarajan"}


def replies(messages):  # type: ignore[no-untyped-def]
    return [m for m in messages if m.get("thread_ts") and m["thread_ts"] != m["ts"]]


async def test_image_and_document_are_uploaded_into_the_thread_with_caption_and_name(inbound):
    await inbound.candidate_writes(**CANDIDATE, text="My CV follows")
    await inbound.candidate_writes(**CANDIDATE, type="image", mime_type="image/png",
                                   content_base64=base64.b64encode(PNG).decode(), caption="my *badge*")
    await inbound.candidate_writes(**CANDIDATE, type="document", mime_type="application/pdf",
                                   content_base64=base64.b64encode(PDF).decode(), filename="Priya-CV.pdf")

    async def uploads():  # type: ignore[no-untyped-def]
        return await inbound.stack.slack_calls("files.completeUploadExternal")

    messages = await inbound.wait_for(lambda m: len(replies(m)) >= 1)
    parent_ts = messages[0]["thread_ts"] if messages[0].get("thread_ts") else messages[0]["ts"]
    import asyncio
    for _ in range(200):
        done = [c for c in await uploads() if c.get("ok", c.get("response", {}).get("ok"))]
        if len(done) >= 2:
            break
        await asyncio.sleep(0.05)
    calls = await uploads()
    assert len(calls) == 2, calls
    first, second = (c["args"] for c in calls)
    assert first["channel_id"] == inbound.channel_id and first["thread_ts"] == parent_ts
    assert "my *badge*" in first.get("initial_comment", "")
    assert "Priya-CV.pdf" in second["files"]


async def test_location_contacts_and_choices_are_readable(inbound):
    await inbound.candidate_writes(**CANDIDATE, type="location",
                                   location={"latitude": 51.5, "longitude": -0.12, "name": "Office",
                                             "address": "1 Main St"})
    await inbound.candidate_writes(**CANDIDATE, type="contacts", contacts=[{
        "name": {"formatted_name": "Ravi Kumar", "first_name": "Ravi"},
        "phones": [{"phone": "+44 7700 900456", "type": "CELL", "wa_id": "447700900456"}],
        "emails": [{"email": "ravi@example.com", "type": "WORK"}]}])
    await inbound.candidate_writes(**CANDIDATE, type="interactive", context={"id": "wamid.EARLIER"},
                                   interactive={"type": "button_reply",
                                                "button_reply": {"id": "yes", "title": "Yes, Tuesday"}})
    messages = await inbound.wait_for(lambda m: len(replies(m)) >= 3)
    texts = [r["text"] for r in replies(messages)]
    assert "Office" in texts[0] and "1 Main St" in texts[0] and "51.5" in texts[0]
    assert "Ravi Kumar" in texts[1] and "+44 7700 900456" in texts[1] and "ravi@example.com" in texts[1]
    assert "Yes, Tuesday" in texts[2]


async def test_reaction_edit_and_revoke_change_the_slack_copy(inbound):
    sent = await inbound.candidate_writes(**CANDIDATE, text="Available Monday")
    wamid = sent["message_id"]
    await inbound.wait_for(lambda m: len(replies(m)) >= 1)
    await inbound.candidate_writes(**CANDIDATE, type="reaction", reaction={"message_id": wamid, "emoji": "👍"})
    messages = await inbound.wait_for(lambda m: any(r.get("reactions") for r in replies(m)))
    copy = replies(messages)[0]
    assert [r["name"] for r in copy["reactions"]] == ["+1"]

    phone = inbound.number
    edit = {"from": CANDIDATE["from"], "id": "wamid.EDIT1", "timestamp": "1893456000", "type": "edit",
            "edit": {"original_message_id": wamid, "message": {"type": "text", "text": {"body": "Available Tuesday"}}}}
    await inbound.post_raw(envelope(inbound, [edit], phone))
    messages = await inbound.wait_for(lambda m: "Tuesday" in replies(m)[0]["text"])
    assert "edited" in replies(messages)[0]["text"]

    revoke = {"from": CANDIDATE["from"], "id": "wamid.REVOKE1", "timestamp": "1893456060", "type": "revoke",
              "revoke": {"original_message_id": wamid}}
    await inbound.post_raw(envelope(inbound, [revoke], phone))
    messages = await inbound.wait_for(lambda m: "deleted" in replies(m)[0]["text"])
    assert "Tuesday" not in replies(messages)[0]["text"]


async def test_unknown_and_unsupported_types_say_so_instead_of_vanishing(inbound):
    odd = {"from": CANDIDATE["from"], "id": "wamid.ODD1", "timestamp": "1893456000", "type": "hologram",
           "hologram": {"x": 1}}
    await inbound.post_raw(envelope(inbound, [odd], inbound.number))
    await inbound.candidate_writes(**CANDIDATE, type="unsupported")
    messages = await inbound.wait_for(lambda m: len(replies(m)) >= 2)
    texts = [r["text"] for r in replies(messages)]
    assert "Unsupported message type hologram" in texts[0]
    assert "131051" in texts[1]


def envelope(inbound, messages, number, contacts=True):  # type: ignore[no-untyped-def]
    value = {"messaging_product": "whatsapp",
             "metadata": {"display_phone_number": number.get("display_phone_number", "15550000000"),
                          "phone_number_id": inbound.phone_number_id},
             "messages": messages}
    if contacts:
        value["contacts"] = [{"profile": {"name": CANDIDATE["name"]}, "wa_id": CANDIDATE["from"]}]
    return {"object": "whatsapp_business_account",
            "entry": [{"id": "WABA", "changes": [{"field": "messages", "value": value}]}]}


async def test_media_meta_will_not_hand_over_gets_a_visible_notice(inbound):
    """An image whose media id Meta no longer knows (webhook media live 7 days): the thread says so."""
    image = {"from": CANDIDATE["from"], "id": "wamid.GONE1", "timestamp": "1893456000", "type": "image",
             "image": {"id": "999999999999999", "mime_type": "image/jpeg", "sha256": "AAAA", "caption": "old photo"}}
    await inbound.post_raw(envelope(inbound, [image], inbound.number))
    messages = await inbound.wait_for(lambda m: any("cannot be shown" in r["text"] for r in replies(m)))
    notice = next(r["text"] for r in replies(messages) if "cannot be shown" in r["text"])
    assert "old photo" in notice and "send it again" in notice


async def test_a_changed_number_keeps_the_thread_and_says_so(inbound):
    await inbound.candidate_writes(**CANDIDATE, text="before")
    await inbound.wait_for(lambda m: len(replies(m)) >= 1)
    system = {"from": CANDIDATE["from"], "id": "wamid.SYS1", "timestamp": "1893456000", "type": "system",
              "system": {"body": "User Priya changed from 447700900123 to 447700900124", "wa_id": "447700900124",
                         "type": "user_changed_number"}}
    await inbound.post_raw(envelope(inbound, [system], inbound.number, contacts=False))
    await inbound.candidate_writes(**{**CANDIDATE, "from": "447700900124"}, text="after")
    messages = await inbound.wait_for(lambda m: len(replies(m)) >= 3)
    parents = [m for m in messages if m.get("thread_ts") == m["ts"]]
    assert len(parents) == 1
    assert [r["text"].split("\n")[0][:30] for r in replies(messages)][1].startswith("ℹ️ User Priya changed")
    assert replies(messages)[2]["text"] == "after"
