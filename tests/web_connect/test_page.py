"""GET /connect: a genuine link renders the page; forged, tampered, expired and used links get a clear page
and create nothing."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from html import escape
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest

from relay.onboarding.links import LinkProblem
from storage.models import utcnow
from tests.web_connect.conftest import PUBLIC_BASE_URL
from web.connect import wording


class ScriptCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[dict[str, str | None]] = []
        self.inline_handlers: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "script":
            self.scripts.append(attributes)
        self.inline_handlers += [name for name in attributes if name.startswith("on")]


def page_config(html: str) -> dict:
    match = re.search(r'<script type="application/json" id="config">(.*?)</script>', html, re.S)
    assert match, "the page carries its config block"
    return json.loads(match.group(1))


async def test_genuine_link_renders_the_page_with_its_config(client, issue_token, counts):
    token = await issue_token()
    before = await counts()
    response = await client.get("/connect", params={"token": token})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert escape(wording.PAGE["idle_heading"]) in response.text
    assert escape(wording.PAGE["coexistence_label"]) in response.text
    config = page_config(response.text)
    assert config["token"] == token
    assert config["appId"] == "1234567890" and config["configId"] == "cfg-42"
    assert config["sdkUrl"] == "https://connect.facebook.net/en_US/sdk.js"
    assert config["allowedOrigins"] == ["https://www.facebook.com", "https://web.facebook.com"]
    assert config["extras"] == {
        "default": {},
        "coexistence": {"setup": {}, "featureType": "whatsapp_business_app_onboarding",
                        "sessionInfoVersion": "3"},
    }
    assert config["pollIntervalMs"] == 3000 and config["pollTimeoutMs"] == 120000
    assert config["text"]["steps"]["PHONE_NUMBER_VERIFICATION"] == "verifying your phone number"
    assert await counts() == before, "showing the page neither uses the link nor creates anything"


async def test_redirect_fallback_points_at_metas_oauth_dialog(client, issue_token):
    token = await issue_token()
    config = page_config((await client.get("/connect", params={"token": token})).text)
    url = urlsplit(config["redirectUrl"])
    assert f"{url.scheme}://{url.netloc}{url.path}" == "https://www.facebook.com/v24.0/dialog/oauth"
    assert {k: v[0] for k, v in parse_qs(url.query).items()} == {
        "client_id": "1234567890", "config_id": "cfg-42", "response_type": "code",
        "redirect_uri": f"{PUBLIC_BASE_URL}/connect/callback", "state": token,
    }


async def test_page_has_no_inline_script_or_handlers(client, issue_token):
    html = (await client.get("/connect", params={"token": await issue_token()})).text
    parser = ScriptCollector()
    parser.feed(html)
    kinds = sorted((s.get("type"), s.get("src")) for s in parser.scripts)
    assert kinds == [("application/json", None), ("module", "/connect/static/connect.js")]
    assert parser.inline_handlers == []


async def test_config_block_cannot_be_closed_by_its_content(client, issue_token, services):
    from web.connect.pages import config_json

    text = config_json({"x": "</script><script>alert(1)</script>&\u2028"})
    assert "</script>" not in text and "<" not in text and "&" not in text
    assert json.loads(text) == {"x": "</script><script>alert(1)</script>&\u2028"}


@pytest.mark.parametrize("settings_overrides", [{"META_EMBEDDED_SIGNUP_VERSION": "v3"}])
async def test_version_3_sends_its_extras(client, issue_token):
    config = page_config((await client.get("/connect", params={"token": await issue_token()})).text)
    assert config["extras"]["default"] == {"setup": {}, "featureType": "", "sessionInfoVersion": "3",
                                           "version": "v3"}


@pytest.mark.parametrize("settings_overrides", [{
    "WASLACK_MODE": "sandbox", "META_SDK_URL": "http://127.0.0.1:8001/sdk.js",
    "META_WEB_URL": "http://127.0.0.1:8001",
}])
async def test_sandbox_mode_also_trusts_the_simulator_origin(client, issue_token):
    response = await client.get("/connect", params={"token": await issue_token()})
    config = page_config(response.text)
    assert config["allowedOrigins"] == ["https://www.facebook.com", "https://web.facebook.com",
                                        "http://127.0.0.1:8001"]
    assert config["redirectUrl"].startswith("http://127.0.0.1:8001/v24.0/dialog/oauth?")
    csp = response.headers["content-security-policy"]
    assert "script-src 'self' http://127.0.0.1:8001;" in csp


def _tamper(token: str) -> str:
    nonce, signature = token.split(".")
    flipped = ("A" if signature[0] != "A" else "B") + signature[1:]
    return f"{nonce}.{flipped}"


@pytest.mark.parametrize("make_token, status, problem", [
    (lambda t: "not-a-token", 400, LinkProblem.FORGED),
    (lambda t: _tamper(t), 400, LinkProblem.FORGED),
    (lambda t: "x" + t, 400, LinkProblem.FORGED),  # another nonce, old signature
    (lambda t: t + "." + t, 400, LinkProblem.FORGED),
    (lambda t: "A" * 5000, 400, LinkProblem.FORGED),
])
async def test_forged_or_tampered_links_get_a_400_page(client, issue_token, counts, make_token, status,
                                                       problem):
    token = await issue_token()
    before = await counts()
    response = await client.get("/connect", params={"token": make_token(token)})
    assert response.status_code == status
    assert escape(wording.LINK_HEADINGS[problem]) in response.text
    assert "click Connect WhatsApp Business to get a new link" in response.text
    assert 'id="config"' not in response.text and "<script" not in response.text
    assert await counts() == before


async def test_expired_link_gets_a_410_page(client, issue_token, counts):
    token = await issue_token(now=utcnow() - timedelta(minutes=16))
    before = await counts()
    response = await client.get("/connect", params={"token": token})
    assert response.status_code == 410
    assert escape(wording.LINK_HEADINGS[LinkProblem.EXPIRED]) in response.text
    assert "15 minutes" in response.text
    assert await counts() == before


async def test_used_link_gets_a_410_page(client, issue_token, services, counts):
    token = await issue_token()
    await services.links.consume(token)
    before = await counts()
    response = await client.get("/connect", params={"token": token})
    assert response.status_code == 410
    assert escape(wording.LINK_HEADINGS[LinkProblem.USED]) in response.text
    assert await counts() == before


async def test_missing_token_gets_a_400_page(client):
    response = await client.get("/connect")
    assert response.status_code == 400
    assert escape(wording.MISSING_TOKEN_HEADING) in response.text


async def test_link_problem_pages_carry_the_security_headers(client):
    response = await client.get("/connect", params={"token": "nope"})
    assert response.headers["cache-control"] == "no-store"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
