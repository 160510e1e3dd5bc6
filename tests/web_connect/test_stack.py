"""The connect endpoints inside the real relay, against the Meta simulator, over HTTP (no browser)."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

from tests.web_connect.test_page import page_config


async def test_headless_signup_connects_and_a_replay_is_refused(stack):
    answer = await stack.connect_number()
    assert answer["http_status"] == 200 and answer["status"] == "connected"
    [number] = answer["numbers"]
    assert number["phone_number_id"] == answer["signup"]["phone_number_ids"][0]
    assert stack.meta.numbers[number["phone_number_id"]].registered, "the relay registered the number at Meta"

    url = await stack.connect_link()
    token = parse_qs(urlsplit(url).query)["token"][0]
    grant = (await stack.http.post(f"{stack.meta_sim_url}/_sim/meta/signup", json={})).json()
    body = {"token": token, "code": grant["code"], "session_info": grant["session_info"]}
    first = await stack.http.post(f"{stack.relay_url}/connect/complete", json=body)
    assert first.status_code == 200
    replay = await stack.http.post(f"{stack.relay_url}/connect/complete", json=body)
    assert replay.status_code == 410 and replay.json()["problem"] == "link_used"


async def test_redirect_fallback_through_metas_dialog(stack):
    url = await stack.connect_link()
    page = await stack.http.get(url)
    dialog_url = page_config(page.text)["redirectUrl"]
    assert dialog_url.startswith(f"{stack.meta_sim_url}/v24.0/dialog/oauth?")
    dialog = await stack.http.get(dialog_url)
    assert dialog.status_code == 200
    form = {name: unescape(value) for name, value in
            re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', dialog.text)}
    assert form["redirect_uri"] == f"{stack.relay_url}/connect/callback"
    back = await stack.http.post(f"{stack.meta_sim_url}/_sim/meta/signup/complete",
                                 data={**form, "action": "finish", "payment_method": "on"})
    assert back.status_code == 303
    callback = back.headers["location"]
    assert callback.startswith(f"{stack.relay_url}/connect/callback?")
    result = await stack.http.get(callback)
    assert result.status_code == 200
    assert '<body data-state="success"' in result.text

    started = await stack.http.get(f"{stack.relay_url}/connect/status",
                                   params={"token": form["state"], "after": "2000-01-01T00:00:00Z"})
    assert started.json()["connected"] is True
