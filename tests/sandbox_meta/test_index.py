"""``GET /`` says what the simulator offers instead of answering 404."""

from __future__ import annotations

from .tenants import V


async def test_the_root_lists_graph_signup_and_controls_as_text(client):
    response = await client.get("/")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    for path in (f"POST /{V}/{{phone_number_id}}/messages", "GET /sdk.js", "GET /_sim/meta/deliveries",
                 "POST /_sim/meta/deliveries/{id}/redeliver", "GET|PATCH /_sim/meta/settings"):  # fmt: skip
        assert path in response.text, path


async def test_browsers_get_html(client):
    response = await client.get("/", headers={"Accept": "text/html,application/xhtml+xml"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    assert "<h1>Meta simulator</h1>" in response.text and "/_sim/meta/inbound/sample" in response.text
    assert "{{" not in response.text
