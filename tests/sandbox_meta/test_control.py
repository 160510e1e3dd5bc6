"""Control endpoints: health, seed, state, and the headless signup's validation."""

from __future__ import annotations

from .tenants import V, bearer


async def test_health(client):
    assert (await client.get("/_sim/meta/health")).json() == {"ok": True}


async def test_seed_gives_a_ready_tenant(client):
    seeded = (
        await client.post("/_sim/meta/seed", json={"numbers": 2, "registered": True, "subscribed": True})
    ).json()
    assert len(seeded["phone_number_ids"]) == 2 and all(d.isdigit() for d in seeded["display_phone_numbers"])
    token = seeded["token"]
    template = {
        "messaging_product": "whatsapp",
        "to": "212600000001",
        "type": "template",
        "template": {"name": "hello_world", "language": {"code": "en_US"}},
    }
    for pnid in seeded["phone_number_ids"]:
        response = await client.post(f"/{V}/{pnid}/messages", headers=bearer(token), json=template)
        assert response.status_code == 200, response.text
    inbound = await client.post(
        "/_sim/meta/inbound",
        json={
            "phone_number_id": seeded["phone_number_ids"][0],
            "from": "212600000001",
            "type": "text",
            "text": "ok",
        },
    )
    assert inbound.json()["delivered"] is True


async def test_state_summarises_without_tokens(client):
    seeded = (await client.post("/_sim/meta/seed", json={"registered": True})).json()
    state = (await client.get("/_sim/meta/state")).json()
    (waba,) = state["wabas"]
    assert waba["id"] == seeded["waba_id"] and waba["subscribed_apps"] == []
    assert waba["numbers"][0]["registered"] is True and waba["numbers"][0]["pin_set"] is True
    assert {t["status"] for t in waba["templates"]} >= {"APPROVED", "PAUSED", "REJECTED", "PENDING"}
    assert seeded["token"] not in str(state)


async def test_headless_signup_validates_its_input(client):
    assert (await client.post("/_sim/meta/signup", json={"numbers": -1})).status_code == 400
    assert (
        await client.post("/_sim/meta/signup", json={"coexistence": True, "numbers": 2})
    ).status_code == 400
    assert (await client.post("/_sim/meta/signup", json={"business_id": "1"})).status_code == 400
    only_waba = (await client.post("/_sim/meta/signup", json={"numbers": 0})).json()
    assert only_waba["session_info"]["event"] == "FINISH_ONLY_WABA" and only_waba["phone_number_ids"] == []


async def test_world_is_reachable_from_app_state(client, sim):
    onboarding = sim.seed_signup(numbers=1)
    assert onboarding.waba_id in sim.wabas and onboarding.code in sim.codes
    assert not sim.is_subscribed(onboarding.waba_id)
    await client.post(f"/{V}/{onboarding.waba_id}/subscribed_apps", headers=bearer(onboarding.token))
    assert sim.is_subscribed(onboarding.waba_id)
