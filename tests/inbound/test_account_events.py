"""Account-level webhook fields: the number's status, the channel, the connector and the Home tab hear of them."""

from __future__ import annotations

from sqlmodel import select

from storage.messaging_models import Conversation
from storage.models import AccountStatus, WhatsAppAccount
from tests.inbound.test_message_types import replies


def envelope(entry_id: str, field: str, value: dict, time: int = 1893456000) -> dict:
    return {"object": "whatsapp_business_account",
            "entry": [{"id": entry_id, "time": time, "changes": [{"field": field, "value": value}]}]}


def top_level(messages):  # type: ignore[no-untyped-def]
    return [m for m in messages if not m.get("thread_ts")]


async def test_partner_removed_disconnects_and_tells_the_channel_and_the_connector(inbound):
    value = {"event": "PARTNER_REMOVED", "waba_info": {"waba_id": inbound.waba_id, "owner_business_id": "9"}}
    await inbound.post_raw(envelope("35602282435505", "account_update", value))
    messages = await inbound.wait_for(lambda m: any("removed waslack's access" in t["text"] for t in top_level(m)))
    assert any("reconnects it from the waslack Home tab" in t["text"] for t in top_level(messages))
    async with inbound.stack.services.database.session() as session:
        account = (await session.exec(select(WhatsAppAccount).where(WhatsAppAccount.waba_id == inbound.waba_id))).one()
    assert account.status == AccountStatus.DISCONNECTED.value and account.business_token_encrypted is None
    dms = [c for c in await inbound.stack.slack_calls("chat.postMessage")
           if c["args"].get("channel", "").startswith("U") and "removed waslack" in c["args"].get("text", "")]
    assert len(dms) == 1
    # the same webhook again (Meta retries) tells nobody twice
    await inbound.post_raw(envelope("35602282435505", "account_update", value))
    await inbound.candidate_writes(**{"from": "447700900999", "name": "After"}, text="still there?")
    import asyncio
    await asyncio.sleep(1.0)
    notices = [t for t in top_level(await inbound.channel_messages()) if "removed waslack's access" in t["text"]]
    assert len(notices) == 1
    assert "still there?" not in str(await inbound.channel_messages())  # disconnected: recorded, not relayed


async def test_marketing_opt_out_is_recorded_and_shown_in_the_thread(inbound):
    await inbound.candidate_writes(**{"from": "447700900123", "name": "Priya"}, text="hi")
    await inbound.wait_for(lambda m: len(replies(m)) >= 1)
    value = {"messaging_product": "whatsapp",
             "metadata": {"display_phone_number": "1", "phone_number_id": inbound.phone_number_id},
             "user_preferences": [{"wa_id": "447700900123", "detail": "User requested to stop marketing messages",
                                   "category": "marketing_messages", "value": "stop", "timestamp": 1893456000}]}
    await inbound.post_raw(envelope(inbound.waba_id, "user_preferences", value))
    messages = await inbound.wait_for(lambda m: any("stopped marketing" in r["text"] for r in replies(m)))
    async with inbound.stack.services.database.session() as session:
        conversation = (await session.exec(select(Conversation))).one()
    assert conversation.marketing_opt_out is True
    parent = next(m for m in messages if m.get("thread_ts") == m["ts"])
    await inbound.wait_for(lambda m: "stopped marketing messages" in str(
        next(x for x in m if x["ts"] == parent["ts"]).get("blocks")))


async def test_messages_sent_from_the_business_app_are_mirrored_as_such(inbound):
    await inbound.candidate_writes(**{"from": "447700900321", "name": "Sam"}, text="hello")
    await inbound.wait_for(lambda m: len(replies(m)) >= 1)
    value = {"messaging_product": "whatsapp",
             "metadata": {"display_phone_number": "1", "phone_number_id": inbound.phone_number_id},
             "message_echoes": [{"from": "15550001111", "to": "447700900321", "id": "wamid.ECHO1",
                                 "timestamp": "1893456100", "type": "text", "text": {"body": "Sent from my phone"}}]}
    await inbound.post_raw(envelope(inbound.waba_id, "smb_message_echoes", value))
    messages = await inbound.wait_for(lambda m: len(replies(m)) >= 2)
    echo = replies(messages)[1]["text"]
    assert "WhatsApp Business app" in echo and "Sent from my phone" in echo


async def test_template_status_changes_are_announced_in_the_channel(inbound):
    value = {"event": "REJECTED", "message_template_id": 123456, "message_template_name": "interview_invite",
             "message_template_language": "en_US", "reason": "INCORRECT_CATEGORY"}
    await inbound.post_raw(envelope(inbound.waba_id, "message_template_status_update", value))
    messages = await inbound.wait_for(lambda m: any("interview_invite" in t["text"] for t in top_level(m)))
    notice = next(t for t in top_level(messages) if "interview_invite" in t["text"])
    assert "rejected" in notice["text"] and "INCORRECT_CATEGORY" in notice["text"]


async def test_quality_and_display_name_decisions_reach_the_channel(inbound):
    digits = "".join(ch for ch in inbound.display_phone_number if ch.isdigit())
    await inbound.post_raw(envelope(inbound.waba_id, "phone_number_quality_update", {
        "display_phone_number": digits, "event": "FLAGGED", "current_limit": "TIER_1K"}))
    await inbound.post_raw(envelope(inbound.waba_id, "phone_number_name_update", {
        "display_phone_number": digits, "decision": "APPROVED", "requested_verified_name": "Acme Careers"}))
    messages = await inbound.wait_for(lambda m: sum("quality" in t["text"] or "Acme Careers" in t["text"]
                                                    for t in top_level(m)) >= 2)
    texts = [t["text"] for t in top_level(messages)]
    assert any("flagged" in t and "tier 1k" in t for t in texts)
    assert any("approved the display name *Acme Careers*" in t for t in texts)
    from storage.models import PhoneNumber
    async with inbound.stack.services.database.session() as session:
        number = (await session.exec(select(PhoneNumber).where(
            PhoneNumber.phone_number_id == inbound.phone_number_id))).one()
    assert number.verified_name == "Acme Careers"
