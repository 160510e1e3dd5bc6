"""Slack retries a failed event delivery three times (at once, after 1 and 5 minutes), byte-identical."""

from __future__ import annotations

import json
import time

import pytest

from sandbox.slack import Realism

SCALE = 0.001  # a minute lasts 60 ms


@pytest.fixture
def realism() -> Realism:
    return Realism(time_scale=SCALE, bot_events=("message.channels",))


def attempts(world, event_id: str) -> list[dict]:
    return [d for d in world.deliveries if d["event_id"] == event_id]


async def test_a_failed_event_is_retried_three_times_with_the_same_bytes(deliver, relay, ws, world):
    relay.reply = (500, "", {})
    started = time.monotonic()
    report = await deliver(kind="event", event={"type": "app_home_opened", "user": ws.member_user_id})
    assert report["status"] == 500 and report["retry_scheduled"] is True
    await world.outbox.settle()
    assert time.monotonic() - started >= 360 * SCALE  # the last retry waited 1 + 5 "minutes"
    bodies = [r["body"] for r in relay.received]
    assert len(bodies) == 4 and len(set(bodies)) == 1  # same event_id, event_time, event_ts: same bytes
    assert json.loads(bodies[0])["event_id"] == report["event_id"]
    headers = [r["headers"] for r in relay.received]
    assert "x-slack-retry-num" not in headers[0]
    assert [h["x-slack-retry-num"] for h in headers[1:]] == ["1", "2", "3"]
    assert {h["x-slack-retry-reason"] for h in headers[1:]} == {"http_error"}
    assert all(r["valid"] for r in relay.received)  # each attempt freshly signed
    logged = attempts(world, report["event_id"])
    assert [d["attempt"] for d in logged] == [0, 1, 2, 3] and logged[-1]["result"]["retry_scheduled"] is False


async def test_the_retry_schedule_is_at_once_then_one_then_five_minutes(deliver, relay, ws, world):
    relay.reply = (503, "", {})
    await deliver(kind="event", event={"type": "app_home_opened", "user": ws.member_user_id})
    await world.outbox.settle()
    at = [r["at"] for r in relay.received]
    gaps = [later - earlier for earlier, later in zip(at, at[1:], strict=False)]
    assert len(gaps) == 3
    assert gaps[0] < 30 * SCALE  # at once
    assert 60 * SCALE <= gaps[1] < 300 * SCALE  # a minute
    assert gaps[2] >= 300 * SCALE  # five minutes


async def test_a_slow_answer_is_retried_with_http_timeout_while_it_is_still_coming(deliver, relay, ws, world):
    world.change_realism({"ack_seconds": 0.1, "retry_delays_seconds": [0]})
    relay.delay = 0.3
    report = await deliver(kind="event", event={"type": "app_home_opened", "user": ws.member_user_id})
    assert report["status"] == 200 and report["in_time"] is False and report["slack_would_retry"] is True
    await world.outbox.settle()
    assert len(relay.received) == 2 and relay.received[0]["body"] == relay.received[1]["body"]
    assert relay.received[1]["headers"]["x-slack-retry-reason"] == "http_timeout"
    assert relay.received[1]["headers"]["x-slack-retry-num"] == "1"


async def test_no_retry_header_and_success_stop_retries(deliver, relay, ws, world):
    relay.reply = (404, "", {"X-Slack-No-Retry": "1"})
    await deliver(kind="event", event={"type": "app_home_opened", "user": ws.member_user_id})
    relay.reply = (200, "", {})
    await deliver(kind="event", event={"type": "app_home_opened", "user": ws.member_user_id})
    await world.outbox.settle()
    assert len(relay.received) == 2


async def test_commands_and_interactivity_are_never_retried(deliver, relay, ws, world):
    relay.reply = (500, "", {})
    await deliver(kind="command", command="/template", channel_id=ws.public_channel_id)
    await deliver(kind="interactivity", payload={"type": "block_actions", "actions": []})
    await world.outbox.settle()
    assert len(relay.received) == 2


async def test_a_follow_on_event_is_retried_identically_too(api, relay, ws, world):
    relay.reply = (500, "", {})
    await api("chat.postMessage", channel=ws.public_channel_id, text="mirrored")
    await world.outbox.settle()
    assert len(relay.received) == 4 and len({r["body"] for r in relay.received}) == 1
    assert json.loads(relay.received[0]["body"])["event"]["text"] == "mirrored"


async def test_retries_can_be_switched_off(deliver, relay, ws, world, client):
    await client.post("/_sim/slack/settings", json={"retry_events": False})
    relay.reply = (500, "", {})
    report = await deliver(kind="event", event={"type": "app_home_opened", "user": ws.member_user_id})
    await world.outbox.settle()
    assert len(relay.received) == 1 and report["slack_would_retry"] is True and not report["retry_scheduled"]


async def test_asking_for_a_retry_by_event_id_resends_the_same_bytes(deliver, relay, ws, world, client):
    first = await deliver(kind="event", event={"type": "app_home_opened", "user": ws.member_user_id})
    again = await deliver(kind="event", event_id=first["event_id"], retry_num=2, retry_reason="http_timeout",
                          event={"type": "app_home_opened", "user": ws.owner_user_id})
    assert again["event_id"] == first["event_id"]
    assert relay.received[0]["body"] == relay.received[1]["body"]
    assert relay.received[1]["headers"]["x-slack-retry-num"] == "2"
    listed = (await client.get("/_sim/slack/deliveries", params={"event_id": first["event_id"]})).json()
    assert [d["attempt"] for d in listed] == [0, 2]
