"""Known secret values are looked for everywhere people and machines can read, across happy and failing
paths of the whole stack, and are never found: logs, error pages and JSON, what we post to Slack, the database."""

import json
import logging

import pytest
from sqlalchemy import create_engine, text

from sandbox.stack import running_stack
from storage.database import sync_url

TABLES = ("tenants", "slack_installations", "slack_oauth_states", "whatsapp_accounts", "phone_numbers",
          "connect_states", "audit_log", "home_tab_viewers")


def raw_database(url: str) -> str:
    engine = create_engine(sync_url(url))
    try:
        with engine.connect() as connection:
            return "\n".join(repr(tuple(row)) for table in TABLES
                             for row in connection.execute(text(f"SELECT * FROM {table}")))
    finally:
        engine.dispose()


@pytest.fixture
async def stack(database_url):
    async with running_stack(database_url=database_url) as stack:
        yield stack


async def test_no_secret_appears_in_logs_pages_slack_or_database(stack, database_url, caplog):
    caplog.set_level(logging.DEBUG)
    seen: list[str] = []

    async def keep(response):
        seen.append(f"{response.status_code} {response.headers} {response.text}")
        return response

    # happy path: a number connected, the Home tab opened
    outcome = await stack.connect_number()
    assert outcome["status"] == "connected"
    await stack.slack_event(kind="event", event={"type": "app_home_opened", "user": stack.workspace.admin_user_id,
                                                 "tab": "home"})
    # failing paths: a forged link, a replayed code, Meta refusing the token, Meta down, a forged webhook
    url = await stack.connect_link()
    token = url.split("token=")[1]
    seen.append((await stack.http.get(url.replace(token[-6:], "AAAAAA"))).text)
    signup = (await stack.http.post(f"{stack.meta_sim_url}/_sim/meta/signup", json={"numbers": 1})).json()
    for fault in ({"endpoint": "debug_token", "count": 1, "error_code": 190},
                  {"endpoint": "phone_numbers", "count": 5, "http_status": 503}):
        await stack.http.post(f"{stack.meta_sim_url}/_sim/meta/faults", json=fault)
        fresh = (await stack.http.post(f"{stack.meta_sim_url}/_sim/meta/signup", json={"numbers": 1})).json()
        link = await stack.connect_link()
        await keep(await stack.http.post(f"{stack.relay_url}/connect/complete", json={
            "token": link.split("token=")[1], "code": fresh["code"], "session_info": fresh["session_info"]}))
    link = await stack.connect_link()
    await keep(await stack.http.post(f"{stack.relay_url}/connect/complete", json={
        "token": link.split("token=")[1], "code": signup["code"] + "x", "session_info": signup["session_info"]}))
    await keep(await stack.http.post(stack.webhook_url, content=b"{}",
                                     headers={"X-Hub-Signature-256": "sha256=00"}))
    await keep(await stack.http.get(stack.webhook_url, params={"hub.mode": "subscribe", "hub.verify_token": "x",
                                                               "hub.challenge": "1"}))
    statuses = [int(s.split(" ", 1)[0]) for s in seen[1:]]
    assert statuses and all(status >= 400 for status in statuses), statuses  # every failing path really failed

    business_tokens = [t.value for t in stack.meta.tokens.values() if t.kind == "business"]
    pins = [n.pin for n in stack.meta.numbers.values() if n.pin]
    assert business_tokens and pins, "the world must hold the secrets we look for"
    secrets = {
        "Meta app secret": stack.secrets["app_secret"],
        "webhook verify token": stack.secrets["verify_token"],
        "Slack signing secret": stack.secrets["signing_secret"],
        "Slack client secret": stack.secrets["client_secret"],
        "encryption key": stack.secrets["encryption_key"],
        "bot token": stack.workspace.bot_token,
        **{f"business token {i}": t for i, t in enumerate(business_tokens)},
        **{f"PIN {i}": p for i, p in enumerate(pins)},
    }
    posted_to_slack = json.dumps([call.get("args") for call in await stack.slack_calls()])
    surfaces = {
        "logs": caplog.text,
        "responses": "\n".join(seen),
        "posted to Slack": posted_to_slack,
        "database": raw_database(database_url),
    }
    assert await stack.slack_calls("chat.postMessage") and await stack.slack_calls("views.publish")
    for surface, content in surfaces.items():
        assert content, f"nothing captured from {surface}"
        for name, value in secrets.items():
            if name.startswith("PIN") and surface == "posted to Slack":
                continue  # six digits can occur by chance in ids and timestamps; PINs are checked elsewhere
            assert value not in content, f"{name} leaked into {surface}"
    for pin in pins:
        assert f'"{pin}"' not in surfaces["posted to Slack"] and pin not in surfaces["database"]
