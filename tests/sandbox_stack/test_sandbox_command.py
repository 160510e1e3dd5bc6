"""`waslack sandbox` and `waslack sandbox --scenario` as a newcomer runs them (real processes, real ports)."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from sandbox.stack import free_port

ROOT = Path(__file__).resolve().parents[2]
WASLACK = [sys.executable, "-m", "relay.cli"]


def _env():
    return {**os.environ, "PYTHONPATH": str(ROOT)}


def _free_block() -> int:
    for _ in range(50):
        port = free_port()
        if port < 65000 and all(_is_free(port + i) for i in (1, 2)):
            return port
    raise RuntimeError("no three consecutive free ports")


def _is_free(port: int) -> bool:
    import socket

    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def test_sandbox_prints_one_line_and_serves_until_interrupted(tmp_path):
    port = _free_block()
    process = subprocess.Popen([*WASLACK, "sandbox", "--port", str(port)], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, env=_env(), cwd=tmp_path)
    try:
        first = process.stdout.readline()  # first and plainly: the console's address
        assert first.startswith("Open the console: "), (first, process.stderr.read() if process.poll() is not None
                                                        else "")
        line = process.stdout.readline()
        assert line.startswith("SANDBOX "), line
        facts = json.loads(line.removeprefix("SANDBOX "))
        console = first.removeprefix("Open the console: ").strip()
        assert console == facts["console_url"] == f"http://127.0.0.1:{port + 2}/_console"
        for key in ("relay_url", "webhook_url", "meta_sim_url", "slack_sim_url", "app_secret", "verify_token",
                    "slack_signing_secret", "team_id", "phone_number_id", "waba_id", "channel_id"):
            assert facts.get(key), key
        assert facts["relay_url"] == f"http://127.0.0.1:{port}"
        assert facts["meta_sim_url"] == f"http://127.0.0.1:{port + 1}"
        assert facts["slack_sim_url"] == f"http://127.0.0.1:{port + 2}"
        with httpx.Client(timeout=10) as http:
            assert http.get(f"{facts['relay_url']}/readyz").json()["ok"] is True
            assert http.get(console).status_code == 200
            assert http.get(f"{facts['relay_url']}/_console").status_code == 404
            verified = http.get(facts["webhook_url"], params={
                "hub.mode": "subscribe", "hub.verify_token": facts["verify_token"], "hub.challenge": "42"})
            assert verified.text == "42"
            state = http.get(f"{facts['meta_sim_url']}/_sim/meta/state").json()
            assert facts["waba_id"] in json.dumps(state)
            page = http.get(facts["connect_page_url"])
            assert page.status_code == 200 and "Connect" in page.text
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=20) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_scenario_walks_through_and_exits_zero(tmp_path):
    port = _free_block()
    started = time.monotonic()
    result = subprocess.run([*WASLACK, "sandbox", "--scenario", "--port", str(port)], capture_output=True,
                            text=True, env=_env(), cwd=tmp_path, timeout=180)
    assert result.returncode == 0, result.stdout + result.stderr
    steps = [line for line in result.stdout.splitlines() if line.startswith("[")]
    assert len(steps) >= 11 and all(" ok " in line for line in steps), result.stdout
    assert any("reached the candidate" in line for line in steps), result.stdout
    assert any("from the modal" in line and "opened its thread" in line for line in steps), result.stdout
    assert "every step checked out" in result.stdout
    assert "Traceback" not in result.stderr
    assert time.monotonic() - started < 180


async def test_scenario_stops_at_the_first_failing_step_and_says_so(capsys):
    from types import SimpleNamespace

    from sandbox.scenario import play_scenario

    ran = []

    async def passing(_stack, _memo):
        ran.append("passing")
        return "fine"

    async def failing(_stack, _memo):
        raise AssertionError("the Home tab does not show the number")

    async def never(_stack, _memo):
        ran.append("never")
        return "unreachable"

    fake = SimpleNamespace(relay_url="r", meta_sim_url="m", slack_sim_url="s")
    code = await play_scenario(fake, [("one", passing), ("two", failing), ("three", never)])
    out = capsys.readouterr().out
    assert code == 1 and ran == ["passing"]
    assert "[2] FAIL two: AssertionError: the Home tab does not show the number" in out
    assert "scenario: FAILED" in out
