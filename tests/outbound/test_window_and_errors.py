"""The 24-hour window and Meta's refusals: the replier, or the whole channel, learns what happened and what to do;
rate limits are retried to success without duplicates; a send whose outcome is unknown is never repeated."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import update

from bot.status_wording import ERROR_ADVICE
from storage.messaging_models import Conversation
from storage.models import utcnow
from tests.outbound.conftest import CANDIDATE, eventually


async def _close_window(outbound, hours: float = 25) -> None:  # type: ignore[no-untyped-def]
    async with outbound.stack.services.database.session() as session:
        await session.execute(update(Conversation).values(last_inbound_at=utcnow() - timedelta(hours=hours)))
        await session.commit()


async def _ephemerals(outbound) -> list[dict]:  # type: ignore[no-untyped-def]
    return outbound.stack.slack.ephemeral_messages(outbound.channel_id)


async def _notice(outbound, words: str) -> dict:  # type: ignore[no-untyped-def]
    async def find() -> dict | None:
        return next((m for m in await outbound.thread_messages() if words in m.get("text", "")), None)
    return await eventually(find, what=f"a thread notice saying {words!r}")


async def test_window_closed_nothing_is_sent_and_the_replier_gets_the_template_button(outbound):
    await _close_window(outbound)
    reply = await outbound.reply("Are you still interested?")
    shown = await eventually(lambda: _ephemerals(outbound), what="the ephemeral")
    assert shown[0]["shown_to"] == outbound.recruiter and shown[0]["thread_ts"] == outbound.thread_ts
    assert "24 hours" in shown[0]["text"]
    button = shown[0]["blocks"][1]["elements"][0]
    conversation = await outbound.conversation()
    assert (button["action_id"], button["value"], button["text"]["text"]) == (
        "open_template_modal", str(conversation.id), "Send a template")
    rows = await outbound.settled()
    assert rows[0].state == "window_closed" and rows[0].slack_ts == reply["ts"]
    assert await outbound.sent() == []
    # the button opens the /template modal for this candidate (tests/template_modal covers the modal)
    payload = {"type": "block_actions", "user": {"id": outbound.recruiter},
               "channel": {"id": outbound.channel_id}, "container": {"type": "message"},
               "actions": [{**button, "block_id": "window_closed", "action_ts": "1.0"}]}
    delivery = await outbound.stack.slack_event(kind="interactivity", payload=payload)
    assert delivery["status"] == 200
    opened = await eventually(lambda: outbound.stack.slack_calls("views.open"), what="the template modal")
    assert opened[0]["args"]["trigger_id"] == delivery["trigger_id"] and opened[0]["response"]["ok"]


async def test_meta_saying_131047_at_once_is_the_same_closed_window(outbound):
    await outbound.meta_fault(error_code=131047)
    await outbound.reply("Hello again")
    await eventually(lambda: _ephemerals(outbound), what="the ephemeral")
    assert (await outbound.settled())[0].state == "window_closed"
    assert await outbound.sent() == []


async def test_meta_failing_it_later_with_131047_tells_the_replier_too(outbound):
    response = await outbound.stack.http.post(f"{outbound.stack.meta_sim_url}/_sim/meta/recipient_faults",
                                              json={"wa_id": CANDIDATE, "error_code": 131047})
    assert response.status_code == 200, response.text
    await outbound.reply("Hello later")
    await eventually(lambda: _ephemerals(outbound), what="the ephemeral", within=20)
    await _notice(outbound, "More than 24 hours have passed")
    assert len(await outbound.sent()) == 1
    assert (await outbound.settled())[0].state == "window_closed"


@pytest.mark.parametrize("code", [190, 131042, 131026, 131050])
async def test_each_refusal_shows_in_the_thread_with_what_it_means_and_what_to_do(outbound, code):
    await outbound.meta_fault(error_code=code)
    await outbound.reply("Can we talk?")
    meaning, todo = ERROR_ADVICE[code]
    notice = await _notice(outbound, "Your reply was not sent")
    assert meaning in notice["text"] and todo in notice["text"] and str(code) in notice["text"]
    assert "username" not in notice  # posted as the app, for the whole channel: not as the candidate
    assert (await outbound.settled())[0].state == "failed"
    assert await outbound.sent() == []


@pytest.mark.parametrize(("code", "count"), [(131056, 2), (130429, 5)])
async def test_rate_limits_are_retried_until_sent_without_duplicates(outbound, code, count):
    await outbound.meta_fault(error_code=code, count=count)
    await outbound.reply("Retry me")
    await outbound.wait_sent(1, within=30)
    rows = await outbound.settled(within=30)
    await asyncio.sleep(0.5)
    assert [m["text"]["body"] for m in await outbound.sent()] == ["Retry me"]
    assert rows[0].state == "sent"
    faults = (await outbound.stack.http.get(f"{outbound.stack.meta_sim_url}/_sim/meta/faults")).json()["data"]
    assert faults == []  # every refusal was met, then the send went through


async def test_an_unknown_outcome_is_never_sent_again_and_the_thread_says_it_may_not_have_arrived(outbound):
    outbound.stack.relay.outbound.worker.unknown_outcome_wait = timedelta(seconds=1.5)
    await outbound.meta_fault(http_status=500)  # a bare 500: Meta may or may not have taken it
    await outbound.reply("Did this arrive?")
    notice = await _notice(outbound, "may or may not have reached the candidate")
    assert "does not send it again" in notice["text"]
    assert (await outbound.settled())[0].state == "failed_unknown"
    await asyncio.sleep(1.0)
    assert await outbound.sent() == []  # a second attempt would have gone through: there was none


async def test_a_send_meta_took_despite_a_lost_answer_is_confirmed_by_its_status_not_sent_again(outbound):
    outbound.stack.relay.outbound.worker.unknown_outcome_wait = timedelta(seconds=30)
    await outbound.meta_fault(http_status=502)  # the answer is lost; in truth Meta took the message
    reply = await outbound.reply("Slow but sure")
    row = (await eventually(lambda: _reconciling(outbound), what="the reply waiting for a status"))[0]
    await outbound.meta_reports(id="wamid.LOSTANSWER1", status="delivered",
                                biz_opaque_callback_data=f"reply:{row.id}:0")
    rows = await outbound.settled(within=20)
    assert rows[0].state == "sent"

    async def ticked() -> bool:
        mine = next(m for m in await outbound.thread_messages() if m["ts"] == reply["ts"])
        return "ballot_box_with_check" in {r["name"] for r in mine.get("reactions", [])}
    await eventually(ticked, what="the delivered mark on the recruiter's reply")
    assert await outbound.sent() == []  # never sent a second time
    assert not [m for m in await outbound.thread_messages() if "may or may not" in m.get("text", "")]


async def _reconciling(outbound) -> list:  # type: ignore[no-untyped-def]
    return [r for r in await outbound.rows() if r.state == "reconciling" and r.error]


async def test_a_send_interrupted_by_a_crash_is_reported_never_sent_again(outbound):
    from storage.repositories.whatsapp_outbox import WhatsAppOutboxRepository

    worker = outbound.stack.relay.outbound.worker
    await worker.stop()  # the process "dies" with the reply recorded and its first part in flight
    await outbound.reply("Interrupted")
    row = (await outbound.rows())[0]
    async with outbound.stack.services.database.session() as session:
        assert await WhatsAppOutboxRepository(session).begin_part(row.id, 0, until=utcnow() + timedelta(seconds=1))
        await session.commit()
    worker._stopping = False
    worker.start()  # another process takes over
    await _notice(outbound, "may or may not have reached the candidate")
    assert (await outbound.settled())[0].state == "failed_unknown"
    assert await outbound.sent() == []


async def test_a_reply_in_the_thread_of_a_paused_number_says_it_was_not_sent(outbound):
    from storage.models import PhoneNumber

    async with outbound.stack.services.database.session() as session:
        await session.execute(update(PhoneNumber).values(enabled=False))
        await session.commit()
    await outbound.reply("Anyone there?")
    notice = await _notice(outbound, "Your reply was not sent to the candidate")
    assert "disconnected or paused" in notice["text"]
    assert (await outbound.settled())[0].state == "failed"
    assert await outbound.sent() == []
