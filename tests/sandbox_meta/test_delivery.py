"""Webhook delivery like Meta's: batches, retries with backoff on a compressed clock, duplicates, the delivery
log and redelivery — all switched through ``/_sim/meta/settings`` and observed at the relay's side."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json

import httpx
import pytest

from sandbox.meta import MetaSimConfig, create_meta_simulator

from .tenants import APP_SECRET, ORIGIN, WEBHOOK_URL

CANDIDATES = ["212600000001", "212600000002", "212600000003"]


def _verify(request: httpx.Request) -> dict:
    expected = "sha256=" + hmac.new(APP_SECRET.encode(), request.content, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(request.headers["x-hub-signature-256"], expected)
    return json.loads(request.content)


async def _settings(client, **blocks) -> dict:
    response = await client.patch("/_sim/meta/settings", json=blocks)
    assert response.status_code == 200, response.text
    return response.json()


async def _seed(client, numbers: int = 1) -> dict:
    response = await client.post("/_sim/meta/seed", json={"numbers": numbers, "registered": True, "subscribed": True})
    return response.json()


async def _write(client, pnid: str, wa_id: str, text: str) -> dict:
    body = {"phone_number_id": pnid, "from": wa_id, "name": "Ahmed", "type": "text", "text": text}
    response = await client.post("/_sim/meta/inbound", json=body)
    assert response.status_code == 200, response.text
    return response.json()


def _wamids(payload: dict) -> list[str]:
    return [m["id"] for e in payload["entry"] for c in e["changes"] for m in c["value"].get("messages", [])]


async def test_updates_are_batched_by_entry_number_and_kind(client, sim, clock, receiver):
    await _settings(client, delivery={"batch_window_seconds": 5})
    first, second = await _seed(client, numbers=2), await _seed(client)
    a, b = first["phone_number_ids"]
    (c,) = second["phone_number_ids"]
    sent = [await _write(client, a, CANDIDATES[0], "one"), await _write(client, a, CANDIDATES[1], "two"),
            await _write(client, b, CANDIDATES[0], "three"), await _write(client, c, CANDIDATES[2], "four"),
            await _write(client, a, CANDIDATES[0], "five")]  # fmt: skip
    assert all(s["queued"] for s in sent) and not receiver.requests

    clock.advance(4.9)
    await sim.scheduler.flush()  # runs what is due: the window is still open
    assert not receiver.requests
    clock.advance(0.2)
    await sim.scheduler.flush()

    (request,) = receiver.requests
    payload = _verify(request)
    assert [e["id"] for e in payload["entry"]] == [first["waba_id"], second["waba_id"]]
    changes = payload["entry"][0]["changes"]
    assert [c["value"]["metadata"]["phone_number_id"] for c in changes] == [a, b]
    merged = changes[0]["value"]
    assert [m["text"]["body"] for m in merged["messages"]] == ["one", "two", "five"]
    assert [contact["wa_id"] for contact in merged["contacts"]] == CANDIDATES[:2]
    assert _wamids(payload) == [s["message_id"] for s in (sent[0], sent[1], sent[4], sent[2], sent[3])]
    (delivery,) = (await client.get("/_sim/meta/deliveries")).json()["data"]
    assert delivery["updates"] == 5 and delivery["attempts"][0]["status"] == 200


async def test_a_full_batch_leaves_at_once_and_never_exceeds_the_maximum(client, sim, receiver):
    await _settings(client, delivery={"batch_window_seconds": 3600, "batch_max_updates": 3})
    (pnid,) = (await _seed(client))["phone_number_ids"]
    for i in range(7):
        await _write(client, pnid, CANDIDATES[i % 3], f"m{i}")
    await sim.scheduler.flush()
    assert [len(_wamids(_verify(r))) for r in receiver.requests] == [3, 3]
    await client.post("/_sim/meta/deliveries/flush")  # the last, partial batch leaves when flushed
    assert [len(_wamids(_verify(r))) for r in receiver.requests] == [3, 3, 1]


async def test_failed_deliveries_are_retried_with_backoff_then_dropped(client, clock, receiver):
    await _settings(client, delivery={"retry": True, "retry_delays_seconds": [0, 30, 120],
                                      "retry_for_seconds": 400})  # fmt: skip
    (pnid,) = (await _seed(client))["phone_number_ids"]
    receiver.status = 500
    answer = await _write(client, pnid, CANDIDATES[0], "hello")
    assert answer["status"] == 500
    started = clock.now
    for step in (0, 30, 120, 120, 120, 120):
        clock.advance(step)
        await client.post("/_sim/meta/deliveries/flush")
    (delivery,) = (await client.get("/_sim/meta/deliveries")).json()["data"]
    assert [a["at"] - started for a in delivery["attempts"]] == [0, 0, 30, 150, 270, 390]
    assert [a["kind"] for a in delivery["attempts"]] == ["first"] + ["retry"] * 5
    assert delivery["state"] == "dropped" and "next_attempt_at" not in delivery  # 390 + 120 > 400
    assert len({r.content for r in receiver.requests}) == 1 and len(receiver.requests) == 6


async def test_a_retry_that_succeeds_ends_the_schedule_and_the_clock_can_be_compressed(client, clock, receiver):
    await _settings(client, delivery={"retry": True, "retry_delays_seconds": [0, 600], "clock_compression": 60})
    (pnid,) = (await _seed(client))["phone_number_ids"]
    receiver.status = 503
    await _write(client, pnid, CANDIDATES[0], "hello")
    await client.post("/_sim/meta/deliveries/flush")  # the immediate retry fails too
    receiver.status = 200
    clock.advance(9.9)  # 600 Meta seconds are 10 simulator seconds
    await client.post("/_sim/meta/deliveries/flush")
    assert len(receiver.requests) == 2
    clock.advance(0.2)
    await client.post("/_sim/meta/deliveries/flush")
    (delivery,) = (await client.get("/_sim/meta/deliveries")).json()["data"]
    assert [a["status"] for a in delivery["attempts"]] == [503, 503, 200] and delivery["state"] == "delivered"
    clock.advance(10_000)
    await client.post("/_sim/meta/deliveries/flush")
    assert len(receiver.requests) == 3


async def test_a_slow_answer_counts_as_a_failure(config, clock):
    calls = []

    async def slow_then_fast(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        if len(calls) == 1:
            await asyncio.sleep(0.3)  # the relay processed it, but too late for Meta
        return httpx.Response(200)

    app = create_meta_simulator(config, webhook_transport=httpx.MockTransport(slow_then_fast), clock=clock)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=ORIGIN) as client:
        await _settings(client, delivery={"retry": True, "slow_answer_seconds": 0.05})
        (pnid,) = (await _seed(client))["phone_number_ids"]
        answer = await _write(client, pnid, CANDIDATES[0], "hello")
        assert answer["delivered"] is False and "no answer within 0.05 s" in answer["error"]
        await client.post("/_sim/meta/deliveries/flush")
        (delivery,) = (await client.get("/_sim/meta/deliveries")).json()["data"]
    assert delivery["state"] == "delivered" and len(calls) == 2 and calls[0].content == calls[1].content


async def test_every_nth_delivery_is_duplicated_in_a_later_post(client, clock, receiver):
    await _settings(client, delivery={"duplicate_every": 2, "duplicate_delay_seconds": 1})
    (pnid,) = (await _seed(client))["phone_number_ids"]
    sent = [await _write(client, pnid, CANDIDATES[0], f"m{i}") for i in range(4)]
    assert len(receiver.requests) == 4
    clock.advance(1)
    await client.post("/_sim/meta/deliveries/flush")
    seen = [w for r in receiver.requests for w in _wamids(_verify(r))]
    assert seen == [s["message_id"] for s in sent] + [sent[1]["message_id"], sent[3]["message_id"]]
    listed = (await client.get("/_sim/meta/deliveries")).json()["data"]  # both copies left in one batch
    assert [d.get("duplicate_of") for d in listed] == [None, None, None, None, [listed[1]["id"], listed[3]["id"]]]


async def _duplicated_with_seed(config, seed: int) -> list[int]:
    receiver_requests: list[httpx.Request] = []
    transport = httpx.MockTransport(lambda r: receiver_requests.append(r) or httpx.Response(200))
    app = create_meta_simulator(config, webhook_transport=transport, clock=lambda: 1_760_000_000.0)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=ORIGIN) as client:
        await _settings(client, delivery={"duplicate_probability": 0.5, "seed": seed, "duplicate_delay_seconds": 0})
        (pnid,) = (await _seed(client))["phone_number_ids"]
        for i in range(20):
            await _write(client, pnid, CANDIDATES[0], f"m{i}")
        await client.post("/_sim/meta/deliveries/flush")
        listed = (await client.get("/_sim/meta/deliveries")).json()["data"]
    originals = {d["id"]: i for i, d in enumerate(listed) if not d.get("duplicate_of")}
    return sorted(originals[d["duplicate_of"][0]] for d in listed if d.get("duplicate_of"))


async def test_duplicate_draws_are_seeded(config: MetaSimConfig):
    first, again, other = [await _duplicated_with_seed(config, s) for s in (7, 7, 8)]
    assert first == again and first != other and 3 <= len(first) <= 17


async def test_the_log_shows_bodies_or_sizes_and_a_delivery_can_be_redelivered(client, receiver):
    (pnid,) = (await _seed(client))["phone_number_ids"]
    await _write(client, pnid, CANDIDATES[0], "short")
    await _write(client, pnid, CANDIDATES[0], "x" * 20_000)
    short, long = (await client.get("/_sim/meta/deliveries")).json()["data"]
    assert json.loads(short["body"])["entry"][0]["changes"][0]["value"]["messages"][0]["text"]["body"] == "short"
    assert "body" not in long and long["size"] > 20_000
    assert "body" in (await client.get("/_sim/meta/deliveries", params={"body": "1"})).json()["data"][1]
    attempt = short["attempts"][0]
    assert attempt["status"] == 200 and attempt["latency_ms"] >= 0 and attempt["at"] > 0

    again = (await client.post(f"/_sim/meta/deliveries/{short['id']}/redeliver")).json()
    assert again["attempt"]["kind"] == "redeliver" and again["attempt"]["status"] == 200
    assert receiver.requests[-1].content == receiver.requests[0].content
    assert receiver.requests[-1].headers["x-hub-signature-256"] == receiver.requests[0].headers["x-hub-signature-256"]
    assert str(receiver.requests[-1].url) == WEBHOOK_URL
    assert (await client.post("/_sim/meta/deliveries/nope/redeliver")).status_code == 404


@pytest.mark.parametrize(
    "change",
    [{"delivery": {"batch_max_updates": 5000}}, {"delivery": {"retry": "yes"}}, {"nope": {}},
     {"sending": {"window_failure": "later"}}, {"statuses": {"out_of_order_probability": 2}},
     {"delivery": {"clock_compression": 0}}, {"delivery": {"unknown": 1}}],
)  # fmt: skip
async def test_bad_settings_are_refused(client, change):
    response = await client.patch("/_sim/meta/settings", json=change)
    assert response.status_code == 400 and response.json()["error"]


async def test_settings_are_listed(client):
    current = (await client.get("/_sim/meta/settings")).json()
    assert current["delivery"]["batch_max_updates"] == 1000 and current["delivery"]["retry"] is False


@pytest.mark.parametrize("window", [0, 0.5])
async def test_wait_reports_the_relays_answer_even_when_batching(client, receiver, window):
    await _settings(client, delivery={"batch_window_seconds": window})
    (pnid,) = (await _seed(client))["phone_number_ids"]
    receiver.status = 202
    body = {"phone_number_id": pnid, "from": CANDIDATES[0], "type": "text", "text": "hi", "wait": True}
    answer = (await client.post("/_sim/meta/inbound", json=body)).json()
    assert answer["status"] == 202 and answer["delivered"] is True and answer["delivery_id"]
