"""/template sends through the relay against the Meta and Slack simulators: a new number opens its thread with
the template, an existing conversation gets it in its thread, a second submission adds nothing, marketing
opt-outs are refused, rate limits are retried without duplicates, a lost answer is confirmed by its status."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from relay.template_sends.request import Recipient
from tests.template_sends.conftest import CANDIDATE, NEW_NUMBER, eventually


async def test_a_new_number_gets_the_template_and_a_thread_that_shows_it(templates):
    result = await templates.submit(templates.request(Recipient(wa_id=NEW_NUMBER)))
    assert result.accepted == 1 and not result.refused and not result.duplicate
    (sent,) = await templates.wait_sent(1)
    assert sent["type"] == "template" and sent["template"]["name"] == "hello_world" and sent["wa_id"] == NEW_NUMBER
    (row,) = await templates.settled()
    assert row.state == "sent" and row.wamid == sent["wamid"]
    thread_ts = await templates.open_thread(NEW_NUMBER)
    post = await templates.in_thread(thread_ts, "📨 *hello_world* sent by")
    assert f"<@{templates.recruiter}>" in post["text"] and "Welcome and congratulations" in post["text"]
    parent = next(m for m in await templates.channel_messages() if m["ts"] == thread_ts)
    assert "+49 1511 2345678" in parent["text"]

    async def marked() -> bool:  # the delivery marks land on the template's Slack message, as on replies
        message = await templates.message(sent["wamid"])
        assert message is not None
        mine = next(m for m in await templates.channel_messages() if m["ts"] == post["ts"])
        return message.slack_ts == post["ts"] and bool(mine.get("reactions"))
    await eventually(marked, what="the delivery mark on the template in the thread")


async def test_an_existing_conversation_gets_the_template_in_its_own_thread(templates):
    await templates.candidate_writes()
    thread_ts = await templates.open_thread()
    conversation = await templates.conversation()
    await templates.submit(templates.request(Recipient(conversation_id=conversation.id)))
    (sent,) = await templates.wait_sent(1)
    assert sent["wa_id"] == CANDIDATE
    await templates.in_thread(thread_ts, "📨 *hello_world* sent by")
    assert len(await templates.conversations()) == 1
    parents = [m for m in await templates.channel_messages() if not m.get("thread_ts") or m["ts"] == m["thread_ts"]]
    assert len(parents) == 1  # no second thread


async def test_a_pasted_number_that_already_has_a_thread_joins_it(templates):
    await templates.candidate_writes()
    thread_ts = await templates.open_thread()
    await templates.submit(templates.request(Recipient(wa_id=CANDIDATE)))
    await templates.in_thread(thread_ts, "📨 *hello_world* sent by")
    assert len(await templates.conversations()) == 1


async def test_submitting_the_same_modal_twice_sends_once(templates):
    request = templates.request(Recipient(wa_id=NEW_NUMBER), key="view:TWICE")
    first, second = await asyncio.gather(templates.submit(request), templates.submit(request))
    assert sorted([first.duplicate, second.duplicate]) == [False, True]
    assert first.batch_id == second.batch_id
    assert (await templates.submit(request)).duplicate is True
    await templates.settled()
    await asyncio.sleep(1.0)
    assert len(await templates.sent()) == 1 and len(await templates.recipients()) == 1


async def test_a_candidate_who_stopped_marketing_is_refused_a_marketing_template_with_the_reason(templates):
    await templates.candidate_writes()
    thread_ts = await templates.open_thread()
    await templates.meta("events", field="user_preferences", phone_number_id=templates.phone_number_id,
                         value="stop", **{"from": CANDIDATE})

    async def opted_out() -> bool:
        return bool((await templates.conversation()).marketing_opt_out)
    await eventually(opted_out, what="the opt-out recorded")
    conversation = await templates.conversation()
    request = templates.request(Recipient(conversation_id=conversation.id), name="job_flyer", category="MARKETING")
    assert [r.reason for r in await templates.stack.relay.template_sender.preflight(request)] == [
        "the candidate stopped marketing messages from this business, so the marketing template job_flyer is "
        "not sent to them"]
    result = await templates.submit(request)
    assert result.accepted == 0 and len(result.refused) == 1
    (row,) = await templates.settled()
    assert row.state == "failed" and "stopped marketing messages" in row.error
    notice = await templates.in_thread(thread_ts, "was not sent to")
    assert "stopped marketing messages" in notice["text"]
    assert await templates.sent() == []
    utility = await templates.stack.relay.template_sender.preflight(templates.request(
        Recipient(conversation_id=conversation.id)))
    assert utility == []  # a utility template still goes to them


async def test_throughput_refusals_are_retried_until_sent_without_duplicates(templates):
    await templates.meta_fault(error_code=130429, count=5)
    await templates.submit(templates.request(Recipient(wa_id=NEW_NUMBER)))
    (row,) = await templates.settled(within=60)
    assert row.state == "sent"
    await asyncio.sleep(0.5)
    assert len(await templates.sent()) == 1
    faults = (await templates.stack.http.get(f"{templates.stack.meta_sim_url}/_sim/meta/faults")).json()["data"]
    assert faults == []  # every refusal was met, then the send went through


async def test_a_lost_answer_is_confirmed_by_the_status_naming_it_and_never_sent_again(templates):
    templates.stack.relay.template_sends.worker.unknown_outcome_wait = timedelta(seconds=60)
    await templates.meta_fault(http_status=502)  # the answer is lost; in truth Meta took the message
    await templates.submit(templates.request(Recipient(wa_id=NEW_NUMBER)))

    async def waiting() -> list:
        return [r for r in await templates.recipients() if r.state == "sending" and r.error]
    (row,) = await eventually(waiting, what="the send waiting for a status")
    await templates.meta_reports(id="wamid.TEMPLATELOST1", status="sent", recipient_id=NEW_NUMBER,
                                 biz_opaque_callback_data=f"template:{row.id}")
    (row,) = await templates.settled()
    assert row.state == "sent" and row.wamid == "wamid.TEMPLATELOST1"
    thread_ts = await templates.open_thread(NEW_NUMBER)
    await templates.in_thread(thread_ts, "📨 *hello_world* sent by")
    await asyncio.sleep(1.0)
    assert await templates.sent() == []  # the simulator never got a second send


async def test_an_answer_that_never_comes_is_reported_and_not_sent_again(templates):
    templates.stack.relay.template_sends.worker.unknown_outcome_wait = timedelta(seconds=1.5)
    await templates.meta_fault(http_status=500)
    await templates.submit(templates.request(Recipient(wa_id=NEW_NUMBER)))
    (row,) = await templates.settled()
    assert row.state == "failed_unknown"
    notice = await templates.in_channel("may or may not have arrived")
    assert "hello_world" in notice["text"]
    await asyncio.sleep(1.0)
    assert await templates.sent() == []


async def test_a_number_that_is_not_connected_here_refuses_every_recipient_with_the_reason(templates):
    request = templates.request(Recipient(wa_id=NEW_NUMBER), key="view:ELSEWHERE")
    request = type(request)(**{**request.__dict__, "phone_number_id": "999999999999999"})
    (refusal,) = await templates.stack.relay.template_sender.preflight(request)
    assert "disconnected" in refusal.reason
    result = await templates.submit(request)
    assert result.accepted == 0 and len(result.refused) == 1
    await asyncio.sleep(1.5)
    assert await templates.sent() == []
