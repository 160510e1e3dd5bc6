"""Injected faults: Meta errors for N calls, bare 5xx, delays, and the usage header."""

from __future__ import annotations

import json
import time

from .tenants import V, connect, error_of


async def _fault(client, **spec):
    response = await client.post("/_sim/meta/faults", json=spec)
    assert response.status_code == 200, response.text
    return response.json()


def _template_send(client, tenant):
    body = {
        "messaging_product": "whatsapp",
        "to": "212600000001",
        "type": "template",
        "template": {"name": "hello_world", "language": {"code": "en_US"}},
    }
    return client.post(f"/{V}/{tenant.phone_number_id}/messages", headers=tenant.headers, json=body)


async def test_error_for_n_calls_then_back_to_normal(client):
    tenant = await connect(client)
    await _fault(client, endpoint="messages", count=2, error_code=131056, is_transient=True)
    for _ in range(2):
        response = await _template_send(client, tenant)
        error = error_of(response)
        assert response.status_code == 400 and error["code"] == 131056 and error["is_transient"] is True
        assert (
            error["message"].startswith("(#131056)")
            and error["error_data"]["messaging_product"] == "whatsapp"
        )
    assert (await _template_send(client, tenant)).status_code == 200


async def test_bare_5xx(client):
    tenant = await connect(client, register=False, subscribe=False)
    await _fault(client, endpoint="phone_numbers", count=1, http_status=503)
    failed = await client.get(f"/{V}/{tenant.waba_id}/phone_numbers", headers=tenant.headers)
    assert failed.status_code == 503 and "error" not in failed.text
    assert (
        await client.get(f"/{V}/{tenant.waba_id}/phone_numbers", headers=tenant.headers)
    ).status_code == 200


async def test_delay_only_still_succeeds(client):
    tenant = await connect(client, register=False, subscribe=False)
    await _fault(client, endpoint="message_templates", count=1, delay_ms=150)
    started = time.monotonic()
    response = await client.get(f"/{V}/{tenant.waba_id}/message_templates", headers=tenant.headers)
    assert response.status_code == 200 and time.monotonic() - started >= 0.14


async def test_rate_limit_fault_reports_time_to_regain_access(client):
    tenant = await connect(client, register=False, subscribe=False)
    await _fault(
        client, endpoint="subscribed_apps", count=1, error_code=80007, estimated_time_to_regain_access=12
    )
    response = await client.post(f"/{V}/{tenant.waba_id}/subscribed_apps", headers=tenant.headers)
    assert error_of(response)["code"] == 80007
    usage = json.loads(response.headers["x-business-use-case-usage"])
    assert usage[tenant.waba_id][0]["estimated_time_to_regain_access"] == 12


async def test_oauth_and_media_download_faults(client):
    await _fault(client, endpoint="oauth_access_token", count=1, error_code=2)
    code = (await client.post("/_sim/meta/signup", json={})).json()["code"]
    params = {"client_id": "1234567890123456", "client_secret": "s3cr3t-app-secret", "code": code}
    failed = await client.get(f"/{V}/oauth/access_token", params=params)
    assert failed.status_code == 500 and error_of(failed)["code"] == 2
    assert (await client.get(f"/{V}/oauth/access_token", params=params)).status_code == 200


async def test_faults_can_be_listed_and_cleared(client):
    tenant = await connect(client)
    await _fault(client, endpoint="messages", count=5, error_code=130429)
    assert (await client.get("/_sim/meta/faults")).json()["data"][0]["remaining"] == 5
    assert (await client.delete("/_sim/meta/faults")).json() == {"success": True}
    assert (await _template_send(client, tenant)).status_code == 200


async def test_invalid_fault_specs_are_refused(client):
    assert (
        await client.post("/_sim/meta/faults", json={"endpoint": "nope", "error_code": 1})
    ).status_code == 400
    assert (await client.post("/_sim/meta/faults", json={"endpoint": "messages"})).status_code == 400
    assert (
        await client.post("/_sim/meta/faults", json={"endpoint": "messages", "http_status": 404})
    ).status_code == 400
