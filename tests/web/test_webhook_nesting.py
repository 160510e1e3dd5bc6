"""Meta's webhook, correctly signed but nested too deep: stored and acknowledged (Meta would retry a refusal for a
week and the body can never parse), never a 5xx or a RecursionError traceback; the worker marks it unparseable."""

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
async def test_a_signed_meta_webhook_nested_too_deep_is_kept_not_refused(client, caplog, body):
    response = await client.post("/webhooks/whatsapp", content=body, headers=meta_signed(body))
    assert response.status_code == 200 and response.json() == {"received": True}
    assert_quiet(caplog)
    from relay.inbound.processing import UnparseableBody, decode_body

    with pytest.raises(UnparseableBody):
        decode_body(body)


async def test_a_signed_meta_webhook_of_ordinary_depth_is_accepted(client):
    body = json.dumps({"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [
        {"field": "messages", "value": {"messaging_product": "whatsapp", "messages": [
            {"from": "212600000001", "type": "interactive", "interactive": {"type": "list_reply",
                                                                              "list_reply": {"id": "a"}}}]}}]}]})
    response = await client.post("/webhooks/whatsapp", content=body.encode(), headers=meta_signed(body.encode()))
    assert response.status_code == 200
