"""The sandbox stack's Meta simulator behaves like Meta by default: it batches webhooks to the real relay and
statuses follow sends by themselves — and the relay acknowledges all of it."""

from __future__ import annotations

import asyncio

import pytest

from sandbox.stack import running_stack


@pytest.fixture
async def stack(database_url):
    async with running_stack(database_url=database_url) as running:
        yield running


async def _deliveries(stack, predicate, within_seconds: float = 10.0) -> list[dict]:
    for _ in range(int(within_seconds / 0.05)):
        listed = (await stack.http.get(f"{stack.meta_sim_url}/_sim/meta/deliveries")).json()["data"]
        if predicate(listed):
            return listed
        await asyncio.sleep(0.05)
    raise AssertionError(f"deliveries never matched: {listed}")


async def test_batches_and_statuses_reach_the_relay_which_acknowledges_them(stack):
    settings = (await stack.http.get(f"{stack.meta_sim_url}/_sim/meta/settings")).json()
    assert settings["delivery"]["batch_window_seconds"] > 0 and settings["delivery"]["retry"] is True
    assert settings["statuses"]["auto"] is True and settings["sending"]["window_failure"] == "status"

    outcome = await stack.connect_number()
    assert outcome["status"] == "connected"
    pnid = outcome["numbers"][0]["phone_number_id"]
    for i, candidate in enumerate(("212600000001", "212600000002", "212600000003")):
        body = {"phone_number_id": pnid, "from": candidate, "type": "text", "text": f"hello {i}"}
        answer = (await stack.http.post(f"{stack.meta_sim_url}/_sim/meta/inbound", json=body)).json()
        assert answer["queued"] is True
    listed = await _deliveries(stack, lambda d: sum(x["updates"] for x in d if x["state"] == "delivered") >= 3)
    (batch,) = [d for d in listed if "messages" in d["fields"] and not d.get("duplicate_of")]
    assert batch["updates"] == 3 and batch["attempts"][0]["status"] == 200

    world = stack.meta
    business_id = world.wabas[outcome["waba_id"]].business_id
    token = next(t.value for t in world.tokens.values() if t.kind == "business" and t.business_id == business_id)
    reply = {"messaging_product": "whatsapp", "to": "212600000001", "type": "text", "text": {"body": "Hi!"}}
    sent = await stack.http.post(f"{stack.meta_sim_url}/{world.config.api_version}/{pnid}/messages", json=reply,
                                 headers={"Authorization": f"Bearer {token}"})  # fmt: skip
    assert sent.status_code == 200, sent.text
    wamid = sent.json()["messages"][0]["id"].replace("/", "\\/")  # as it appears in Meta's escaped bodies

    def read_reached_relay(deliveries: list[dict]) -> bool:
        return any(wamid in d.get("body", "") and '"read"' in d.get("body", "") and d["state"] == "delivered"
                   for d in deliveries)  # fmt: skip

    listed = await _deliveries(stack, read_reached_relay)
    carrying = [d for d in listed if wamid in d.get("body", "")]
    assert all(d["attempts"][0]["status"] == 200 for d in carrying)
    record = (await stack.http.get(f"{stack.meta_sim_url}/_sim/meta/messages")).json()["data"][-1]
    assert set(record["statuses"]) == {"sent", "delivered", "read"}
