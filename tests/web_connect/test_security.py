"""Security headers, the Content-Security-Policy, the static script, and the per-IP rate limit."""

from __future__ import annotations

import pytest


def csp_directives(header: str) -> dict[str, list[str]]:
    out = {}
    for part in header.split(";"):
        name, *values = part.split()
        out[name] = values
    return out


async def test_page_security_headers(client, issue_token):
    response = await client.get("/connect", params={"token": await issue_token()})
    headers = response.headers
    assert headers["referrer-policy"] == "no-referrer"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["cache-control"] == "no-store"
    assert headers["x-frame-options"] == "DENY"
    assert headers["cross-origin-opener-policy"] == "same-origin-allow-popups"
    csp = csp_directives(headers["content-security-policy"])
    assert csp["default-src"] == ["'none'"]
    assert csp["script-src"] == ["'self'", "https://connect.facebook.net"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["frame-src"] == ["https://connect.facebook.net", "https://www.facebook.com",
                                "https://web.facebook.com", "https://staticxx.facebook.com"]
    assert set(csp["connect-src"]) == {"'self'", "https://connect.facebook.net", "https://www.facebook.com",
                                       "https://web.facebook.com"}
    assert csp["style-src"] == ["'self'"]
    assert csp["base-uri"] == ["'none'"] and csp["object-src"] == ["'none'"]
    assert not any("unsafe" in v for values in csp.values() for v in values)


@pytest.mark.parametrize("path", ["/connect/status?token=x", "/connect/callback"])
async def test_every_connect_response_is_secured(client, path):
    response = await client.get(path)
    assert response.headers["cache-control"] == "no-store"
    assert "content-security-policy" in response.headers


async def test_json_answers_are_secured(client):
    response = await client.post("/connect/complete", json={})
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cache-control"] == "no-store"


async def test_static_script_and_style(client):
    script = await client.get("/connect/static/connect.js")
    assert script.status_code == 200
    assert script.headers["content-type"].startswith("text/javascript")
    assert script.headers["x-content-type-options"] == "nosniff"
    assert script.headers["cache-control"] == "no-cache"
    assert "WA_EMBEDDED_SIGNUP" in script.text
    assert "endsWith" not in script.text and ".includes(" not in script.text, "origins compare exactly"
    assert "innerHTML" not in script.text
    style = await client.get("/connect/static/connect.css")
    assert style.headers["content-type"].startswith("text/css")
    assert (await client.get("/connect/static/../routes.py")).status_code == 404
    assert (await client.get("/connect/static/secrets.txt")).status_code == 404


async def test_status_is_rate_limited_per_client(client, issue_token):
    token = await issue_token()
    answers = [(await client.get("/connect/status", params={"token": token})).status_code for _ in range(70)]
    assert answers[:60] == [200] * 60, "a page polling every 3 s for 2 minutes stays well inside the limit"
    assert 429 in answers[60:]
    limited = await client.get("/connect/status", params={"token": token})
    assert limited.json()["problem"] == "too_many_requests"
    assert int(limited.headers["retry-after"]) >= 1


async def test_complete_is_rate_limited_per_client(client):
    answers = [(await client.post("/connect/complete", json={})).status_code for _ in range(11)]
    assert answers[:10] == [400] * 10 and answers[10] == 429
