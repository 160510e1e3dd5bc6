"""The demo terminal shows one readable line per connect, webhook and Slack post, and nothing secret."""

import json
import logging
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from relay.activity import slack_answered, webhook_received

ROOT = Path(__file__).resolve().parents[2]
CANDIDATE = "212600000042"
TEXT = "Hello, is the job still open?"


def test_the_sandbox_terminal_shows_what_happens_in_one_line_each(tmp_path, port_block):
    process = subprocess.Popen([sys.executable, "-m", "relay.cli", "sandbox", "--port", str(port_block)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path,
                               env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        assert process.stdout.readline().startswith("Open the console: ")
        line = process.stdout.readline()
        assert line.startswith("SANDBOX "), line
        facts = json.loads(line.removeprefix("SANDBOX "))
        inbound = httpx.post(f"{facts['meta_sim_url']}/_sim/meta/inbound", timeout=30, json={
            "phone_number_id": facts["phone_number_id"], "from": CANDIDATE, "type": "text", "text": TEXT})
        assert inbound.status_code == 200, inbound.text  # Meta batches: delivered within its window
        for _ in range(200):
            shown = httpx.get(f"{facts['slack_sim_url']}/_sim/slack/messages",
                              params={"channel": facts["channel_id"]}).json()
            if any(m.get("text") == TEXT for m in shown):
                break
            time.sleep(0.05)
        else:
            raise AssertionError("the candidate's message never reached the thread")
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    lines = process.stderr.read().splitlines()
    clock = r"\d\d:\d\d:\d\d "
    activity = [line for line in lines if re.match(clock, line)]
    assert any(re.fullmatch(clock + r"slack    created #wa-[a-z0-9-]+", line) for line in activity), lines
    assert any(re.fullmatch(clock + r"connect  \+[\d -]+ → #wa-[a-z0-9-]+ \(T0SANDBOX\)", line)
               for line in activity), lines
    assert any(re.fullmatch(clock + r"slack    posted a message to the direct message D\w+", line)
               for line in activity), lines
    assert any(re.fullmatch(clock + r"webhook  messages for \d+: 1 message", line) for line in activity), lines
    # nothing else: the two "# …" hints, the activity lines, no warnings, no tracebacks
    assert [line for line in lines if line not in activity and not line.startswith("# ")] == []
    text = "\n".join(activity)
    for secret in (facts["app_secret"], facts["verify_token"], facts["slack_signing_secret"], "xoxb-", "token=",
                   CANDIDATE, TEXT):
        assert secret not in text


def test_webhook_lines_count_messages_and_statuses_and_name_only_our_number(caplog):
    payload = {"object": "whatsapp_business_account", "entry": [
        {"id": "WABA1", "changes": [
            {"field": "messages", "value": {"metadata": {"display_phone_number": "15550100"},
                                            "statuses": [{"status": "read", "recipient_id": CANDIDATE},
                                                         {"status": "delivered", "recipient_id": CANDIDATE}]}},
            {"field": "account_update", "value": {"event": "VERIFIED_ACCOUNT"}},
        ]}]}
    with caplog.at_level(logging.INFO, logger="waslack.activity"):
        webhook_received(payload)
        slack_answered("chat.postMessage", {"ok": False, "error": "channel_not_found"})
        slack_answered("conversations.create", {"ok": True, "channel": {"id": "C0NEW", "name": "wa-acme"}})
        slack_answered("chat.update", {"ok": True, "channel": "C0NEW", "ts": "1.2"})
        slack_answered("users.info", {"ok": True, "user": {"id": "U1"}})  # not a post: no line
    assert caplog.messages == [
        "webhook  messages for 15550100: 2 statuses (delivered, read); account_update",
        "slack    chat.postMessage failed: channel_not_found",
        "slack    created #wa-acme",
        "slack    updated a message in #wa-acme",
    ]
    assert CANDIDATE not in caplog.text
