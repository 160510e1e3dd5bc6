"""The relay's side of onboarding, as test steps: signup, code exchange, subscription, registration."""

from __future__ import annotations

import httpx

APP_ID = "1234567890123456"
APP_SECRET = "s3cr3t-app-secret"
CONFIG_ID = "987654321098765"
SYSTEM_TOKEN = "EAAGsystemusertokenfortests"
ORIGIN = "http://meta.test"
WEBHOOK_URL = "http://relay.test/webhooks/meta"
V = "v24.0"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


class Tenant:
    """One onboarded customer as the relay would hold it after the mandatory post-signup steps."""

    def __init__(self, token: str, waba_id: str, phone_number_id: str, business_id: str) -> None:
        self.token = token
        self.waba_id = waba_id
        self.phone_number_id = phone_number_id
        self.business_id = business_id

    @property
    def headers(self) -> dict[str, str]:
        return bearer(self.token)


async def exchange(client: httpx.AsyncClient, code: str, **extra: str) -> httpx.Response:
    params = {"client_id": APP_ID, "client_secret": APP_SECRET, "code": code, **extra}
    return await client.get(f"/{V}/oauth/access_token", params=params)


async def connect(
    client: httpx.AsyncClient, *, register: bool = True, subscribe: bool = True, **signup: object
) -> Tenant:
    """Headless signup, code exchange, subscription and registration (reference 7a)."""
    signup_response = await client.post("/_sim/meta/signup", json=signup or {"numbers": 1})
    assert signup_response.status_code == 200, signup_response.text
    result = signup_response.json()
    token_response = await exchange(client, result["code"])
    assert token_response.status_code == 200, token_response.text
    token = token_response.json()["access_token"]
    data = result["session_info"]["data"]
    pnid = data.get("phone_number_id", (result["phone_number_ids"] or [""])[0])
    tenant = Tenant(token, result["waba_id"], pnid, result["business_id"])
    if subscribe:
        response = await client.post(f"/{V}/{tenant.waba_id}/subscribed_apps", headers=tenant.headers)
        assert response.json() == {"success": True}
    if register:
        response = await client.post(
            f"/{V}/{pnid}/register",
            headers=tenant.headers,
            json={"messaging_product": "whatsapp", "pin": "123456"},
        )
        assert response.json() == {"success": True}, response.text
    return tenant


async def candidate_says(
    client: httpx.AsyncClient, tenant: Tenant, text: str = "hi", wa_id: str = "212600000001"
):
    """The candidate writes to the tenant's number (opens the service window); returns the control answer."""
    response = await client.post(
        "/_sim/meta/inbound",
        json={
            "phone_number_id": tenant.phone_number_id,
            "from": wa_id,
            "name": "Ahmed",
            "type": "text",
            "text": text,
        },
    )
    assert response.status_code == 200, response.text
    return response.json()


def error_of(response: httpx.Response) -> dict:
    body = response.json()
    assert set(body) == {"error"}, body
    return body["error"]
