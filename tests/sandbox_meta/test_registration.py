"""Registration rules: the 10-per-72-hours limit, the two-step PIN, and coexistence numbers."""

from __future__ import annotations

from .tenants import V, connect, error_of


def _register(client, tenant, pin="123456"):
    return client.post(
        f"/{V}/{tenant.phone_number_id}/register",
        headers=tenant.headers,
        json={"messaging_product": "whatsapp", "pin": pin},
    )


async def test_eleventh_register_in_72_hours_is_refused(client, clock):
    tenant = await connect(client, register=False, subscribe=False)
    for _ in range(10):
        assert (await _register(client, tenant)).json() == {"success": True}
    refused = await _register(client, tenant)
    assert refused.status_code == 400 and error_of(refused)["code"] == 133016
    clock.advance(72 * 3600)
    assert (await _register(client, tenant)).json() == {"success": True}


async def test_deregister_has_its_own_limit(client):
    tenant = await connect(client, register=False, subscribe=False)
    for _ in range(10):
        response = await client.post(f"/{V}/{tenant.phone_number_id}/deregister", headers=tenant.headers)
        assert response.json() == {"success": True}
    response = await client.post(f"/{V}/{tenant.phone_number_id}/deregister", headers=tenant.headers)
    assert error_of(response)["code"] == 133016
    assert (await _register(client, tenant)).json() == {"success": True}


async def test_reregistering_needs_the_same_pin(client, sim):
    tenant = await connect(client, register=False, subscribe=False)
    assert (await _register(client, tenant, "135790")).json() == {"success": True}
    mismatch = await _register(client, tenant, "000000")
    assert error_of(mismatch)["code"] == 133005
    assert (await _register(client, tenant, "135790")).json() == {"success": True}
    assert sim.numbers[tenant.phone_number_id].pin == "135790"


async def test_pin_must_be_six_digits_and_body_strict(client):
    tenant = await connect(client, register=False, subscribe=False)
    assert error_of(await _register(client, tenant, "12345"))["code"] == 100
    missing = await client.post(
        f"/{V}/{tenant.phone_number_id}/register",
        headers=tenant.headers,
        json={"messaging_product": "whatsapp"},
    )
    assert "pin" in error_of(missing)["message"]
    extra = await client.post(
        f"/{V}/{tenant.phone_number_id}/register",
        headers=tenant.headers,
        json={"messaging_product": "whatsapp", "pin": "123456", "certificate": "x"},
    )
    assert "Unexpected key" in error_of(extra)["message"]


async def test_pin_can_be_set_before_registration(client):
    tenant = await connect(client, register=False, subscribe=False)
    response = await client.post(
        f"/{V}/{tenant.phone_number_id}", headers=tenant.headers, json={"pin": "999999"}
    )
    assert response.json() == {"success": True}
    assert error_of(await _register(client, tenant, "123456"))["code"] == 133005


async def test_coexistence_numbers_are_already_registered(client):
    tenant = await connect(client, coexistence=True, register=False)
    assert error_of(await _register(client, tenant))["code"] == 100
    deregister = await client.post(f"/{V}/{tenant.phone_number_id}/deregister", headers=tenant.headers)
    assert error_of(deregister)["code"] == 100
    # ...and can send once a candidate writes.
    inbound = await client.post(
        "/_sim/meta/inbound",
        json={
            "phone_number_id": tenant.phone_number_id,
            "from": "447700900123",
            "type": "text",
            "text": "hello",
        },
    )
    assert inbound.json()["delivered"] is True
    sent = await client.post(
        f"/{V}/{tenant.phone_number_id}/messages",
        headers=tenant.headers,
        json={"messaging_product": "whatsapp", "to": "447700900123", "type": "text", "text": {"body": "hi"}},
    )
    assert sent.status_code == 200
