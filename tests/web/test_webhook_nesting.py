"""Meta's webhook, correctly signed but nested too deep: a 400, never a 5xx or a RecursionError traceback."""

from __future__ import annotations

import json

import pytest

from tests.web.conftest import assert_quiet, meta_signed

DEEP_OBJECT = b'{"a":' * 100_000


@pytest.fixture
def database_url(tmp_path):
    return f"sqlite:///{tmp_path / 'waslack.db'}"


@pytest.mark.parametrize("body", [DEEP_OBJECT, b"[" * 100_000 + b"]" * 100_000,
                                  b'{"entry": [' + b"[" * 70 + b"]" * 70 + b"]}"],
                         ids=["object 100000 deep", "array 100000 deep, balanced", "70 deep"])
async def test_a_signed_meta_webhook_nested_too_deep_gets_400(client, caplog, body):
    response = await client.post("/webhooks/whatsapp", content=body, headers=meta_signed(body))
    assert response.status_code == 400 and response.json() == {"error": "body is not JSON"}
    assert_quiet(caplog)


async def test_a_signed_meta_webhook_of_ordinary_depth_is_accepted(client):
    body = json.dumps({"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [
        {"field": "messages", "value": {"messaging_product": "whatsapp", "messages": [
            {"from": "212600000001", "type": "interactive", "interactive": {"type": "list_reply",
                                                                              "list_reply": {"id": "a"}}}]}}]}]})
    response = await client.post("/webhooks/whatsapp", content=body.encode(), headers=meta_signed(body.encode()))
    assert response.status_code == 200
