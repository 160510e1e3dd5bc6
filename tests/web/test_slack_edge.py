"""/slack/events tried with forged, malformed, oversized, deeply nested, stale and
replayed input: each gets a short 4xx before Bolt runs, and nothing logs a traceback."""

from __future__ import annotations

import json
import logging
import time
from urllib.parse import quote

import pytest

from tests.web.conftest import assert_quiet, slack_signed
from web.slack_edge import MAX_SLACK_BODY_BYTES

CHALLENGE = {"token": "legacy", "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
             "type": "url_verification"}
DEEP_OBJECT = b'{"a":' * 100_000


@pytest.fixture
def database_url(tmp_path):
    """The edge barely touches the database: SQLite is enough here."""
    return f"sqlite:///{tmp_path / 'waslack.db'}"


@pytest.fixture
def bolt_calls(relay, monkeypatch):
    """Every request that got as far as Bolt."""
    calls = []
    dispatch = relay.bolt.async_dispatch

    async def recording(request):
        calls.append(request)
        return await dispatch(request)

    monkeypatch.setattr(relay.bolt, "async_dispatch", recording)
    return calls


async def test_a_genuine_request_reaches_bolt_with_its_exact_bytes(client, bolt_calls, caplog):
    body = json.dumps(CHALLENGE, separators=(",", ":")).encode()
    response = await client.post("/slack/events", content=body, headers=slack_signed(body))
    assert response.status_code == 200 and response.json() == {"challenge": CHALLENGE["challenge"]}
    assert [c.raw_body for c in bolt_calls] == [body.decode()]
    assert_quiet(caplog)


@pytest.mark.parametrize("tamper", ["no signature", "no timestamp", "zeros", "v1 scheme", "not ascii",
                                    "other secret", "other body", "empty"])
async def test_forged_signatures_get_401_before_bolt(client, bolt_calls, caplog, tamper):
    body = json.dumps(CHALLENGE).encode()
    headers = slack_signed(body)
    if tamper == "no signature":
        del headers["X-Slack-Signature"]
    elif tamper == "no timestamp":
        del headers["X-Slack-Request-Timestamp"]
    elif tamper == "zeros":
        headers["X-Slack-Signature"] = "v0=" + "0" * 64
    elif tamper == "v1 scheme":
        headers["X-Slack-Signature"] = headers["X-Slack-Signature"].replace("v0=", "v1=")
    elif tamper == "not ascii":
        headers["X-Slack-Signature"] = "v0=é".encode()  # type: ignore[assignment]
    elif tamper == "other secret":
        headers = slack_signed(body, secret="someone-else")
    elif tamper == "other body":
        headers = slack_signed(json.dumps(CHALLENGE, indent=1).encode())
    elif tamper == "empty":
        headers["X-Slack-Signature"] = ""
    response = await client.post("/slack/events", content=body, headers=headers)
    assert response.status_code == 401 and "error" in response.json()
    assert bolt_calls == []
    assert_quiet(caplog)


@pytest.mark.parametrize("timestamp", ["abc", "1.5e9", "-1", "", " 1700000000", "1700000000 ",
                                       "\u0661\u0667\u0660\u0660", "9" * 40, "0x65"])
async def test_a_timestamp_that_is_not_an_integer_gets_400(client, bolt_calls, caplog, timestamp):
    body = json.dumps(CHALLENGE).encode()
    headers = {**slack_signed(body), "X-Slack-Request-Timestamp": timestamp.encode()}
    response = await client.post("/slack/events", content=body, headers=headers)
    assert response.status_code == 400 and "timestamp" in response.json()["error"].lower()
    assert bolt_calls == []
    assert_quiet(caplog)


@pytest.mark.parametrize("age", [301, 600, 86_400, -301, -86_400])
async def test_a_replay_with_a_valid_signature_and_an_old_timestamp_gets_401(client, bolt_calls, caplog, age):
    body = json.dumps(CHALLENGE).encode()
    response = await client.post("/slack/events", content=body,
                                 headers=slack_signed(body, timestamp=int(time.time()) - age))
    assert response.status_code == 401 and bolt_calls == []
    assert_quiet(caplog)


async def test_a_request_signed_four_minutes_ago_is_still_slacks(client, bolt_calls):
    body = json.dumps(CHALLENGE).encode()
    response = await client.post("/slack/events", content=body,
                                 headers=slack_signed(body, timestamp=int(time.time()) - 240))
    assert response.status_code == 200 and len(bolt_calls) == 1


async def test_an_oversized_body_is_refused_without_reading_it(client, bolt_calls, caplog):
    body = b"{" + b" " * MAX_SLACK_BODY_BYTES + b"}"
    declared = await client.post("/slack/events", content=body, headers=slack_signed(body))
    assert declared.status_code == 413

    sent = []

    async def stream():  # no Content-Length: the cap holds while streaming
        for _ in range(400):
            sent.append(64 * 1024)
            yield b" " * (64 * 1024)

    streamed = await client.post("/slack/events", content=stream(), headers={"X-Slack-Signature": "v0=00"})
    assert streamed.status_code == 413
    assert sum(sent) <= MAX_SLACK_BODY_BYTES + 64 * 1024, "the edge stopped reading once past the limit"
    assert bolt_calls == []
    assert_quiet(caplog)


async def test_a_body_just_under_the_limit_is_read(client, bolt_calls):
    body = json.dumps({**CHALLENGE, "pad": "x" * (MAX_SLACK_BODY_BYTES - 200)}).encode()
    assert len(body) <= MAX_SLACK_BODY_BYTES
    response = await client.post("/slack/events", content=body, headers=slack_signed(body))
    assert response.status_code == 200 and len(bolt_calls) == 1


@pytest.mark.parametrize("body", [DEEP_OBJECT, b"[" * 100_000, b"{" + b'"a":[' * 65 + b"1" + b"]" * 65 + b"}",
                                  b"[1, 2]", b'"a string"', b"{not json", b"\xff\xfe{}", b"{\"a\": \"\xc3\"}"],
                         ids=["object 100000 deep", "array 100000 deep", "66 deep", "a list", "a string",
                              "broken", "not utf-8", "truncated utf-8"])
async def test_signed_json_that_bolt_could_not_parse_safely_gets_400(client, bolt_calls, caplog, body):
    response = await client.post("/slack/events", content=body, headers=slack_signed(body))
    assert response.status_code == 400 and "error" in response.json()
    assert bolt_calls == []
    assert_quiet(caplog)


async def test_json_nested_within_the_bound_is_fine(client, bolt_calls):
    body = json.dumps({**CHALLENGE, "deep": json.loads("[" * 60 + "]" * 60)}).encode()
    response = await client.post("/slack/events", content=body, headers=slack_signed(body))
    assert response.status_code == 200 and len(bolt_calls) == 1


FORM = "application/x-www-form-urlencoded"


@pytest.mark.parametrize("payload", ["[" * 100_000, '{"a":' * 50_000, "[1]", "", "not json",
                                     '{"type": "block_actions", "x": ' + "[" * 70 + "]" * 70 + "}"],
                         ids=["array 100000 deep", "object 50000 deep", "a list", "empty", "broken", "70 deep"])
async def test_an_interactivity_payload_bolt_could_not_parse_safely_gets_400(client, bolt_calls, caplog, payload):
    body = ("payload=" + quote(payload)).encode()
    response = await client.post("/slack/events", content=body, headers=slack_signed(body, content_type=FORM))
    assert response.status_code == 400 and bolt_calls == []
    assert_quiet(caplog)


async def test_every_payload_field_of_a_form_is_checked(client, bolt_calls):
    body = ("payload=" + quote('{"type": "block_actions"}') + "&payload=" + quote("[" * 5000)).encode()
    response = await client.post("/slack/events", content=body, headers=slack_signed(body, content_type=FORM))
    assert response.status_code == 400 and bolt_calls == []


async def test_a_crash_inside_bolt_is_one_log_line_and_a_400(client, relay, monkeypatch, caplog):
    async def broken(_request):
        raise RuntimeError("listener blew up")

    monkeypatch.setattr(relay.bolt, "async_dispatch", broken)
    body = json.dumps(CHALLENGE).encode()
    with caplog.at_level(logging.INFO):
        response = await client.post("/slack/events", content=body, headers=slack_signed(body))
    assert response.status_code == 400
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and "RuntimeError: listener blew up" in errors[0].getMessage()
    assert not [r for r in caplog.records if r.exc_info] and "Traceback" not in caplog.text


async def test_the_install_routes_are_not_found_in_single_workspace_mode(client):
    for path in ("/slack/install", "/slack/oauth_redirect"):
        assert (await client.get(path)).status_code == 404


def message_event(**event: object) -> bytes:
    """An Events API wrapper around a message event in a thread of channel C1 (Slack's documented shape)."""
    return json.dumps({"token": "legacy", "team_id": "T0SANDBOX", "api_app_id": "A0WASLACK", "type": "event_callback",
                       "event_id": "Ev0001", "event_time": 1_796_212_518,
                       "event": {"type": "message", "channel": "C1", "ts": "1796212518.000200",
                                 "thread_ts": "1796212500.000100", **event}}).encode()


OUR_POST = {"bot_id": "B0WASLACK", "app_id": "A0WASLACK", "user": "U0BOT", "text": "Hello",
            "bot_profile": {"id": "B0WASLACK", "app_id": "A0WASLACK", "name": "waslack"}}


@pytest.mark.parametrize("event", [
    OUR_POST,
    {**OUR_POST, "subtype": "file_share", "files": [{"id": "F1", "name": "cv.pdf"}]},
    {"subtype": "bot_message", "bot_id": "B0OTHER", "username": "another bot", "text": "Hi"},
    {"subtype": "message_changed", "hidden": True,
     "message": {**OUR_POST, "text": "Hello (edited)", "ts": "1796212518.000200"}},
    {"subtype": "message_deleted", "hidden": True, "deleted_ts": "1796212518.000200"},
    {"subtype": "channel_join", "user": "U0NEW", "text": "<@U0NEW> has joined the channel"},
], ids=["our post", "our upload", "another bot", "an edit", "a deletion", "a join"])
async def test_message_events_no_listener_acts_on_are_acknowledged_before_bolt(client, bolt_calls, caplog, event):
    body = message_event(**event)
    response = await client.post("/slack/events", content=body, headers=slack_signed(body))
    assert response.status_code == 200 and response.content == b""
    assert bolt_calls == []
    assert_quiet(caplog)


@pytest.mark.parametrize("event", [
    {"user": "U0RECRUITER", "text": "Thanks, see you Monday"},
    {"subtype": "thread_broadcast", "user": "U0RECRUITER", "text": "Also sent to the channel"},
    {"subtype": "file_share", "user": "U0RECRUITER", "text": "", "files": [{"id": "F2", "name": "offer.pdf"}]},
], ids=["a reply", "a broadcast reply", "a file"])
async def test_a_persons_message_still_goes_to_bolt(client, bolt_calls, event):
    body = message_event(**event)
    await client.post("/slack/events", content=body, headers=slack_signed(body))
    # (its answer is Bolt's: here, with no Slack to authorize against, a 500 that makes Slack retry)
    assert [c.raw_body for c in bolt_calls] == [body.decode()]


async def test_an_unsigned_copy_of_our_own_post_is_still_refused(client, bolt_calls):
    body = message_event(**OUR_POST)
    response = await client.post("/slack/events", content=body, headers=slack_signed(body, secret="someone-else"))
    assert response.status_code == 401 and bolt_calls == []
