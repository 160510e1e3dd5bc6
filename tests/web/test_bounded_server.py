"""The real relay under uvicorn in its own process: a 400 MB POST to /slack/events is refused after at most
the limit is read (the process's memory stays where it was), and hostile bodies or clients hanging up
mid-body never produce a 5xx or a traceback in the server's log."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from cryptography.fernet import Fernet

from storage.migrate import upgrade
from tests.web.conftest import META_APP_SECRET, SLACK_SIGNING_SECRET, meta_signed, slack_signed
from web.slack_edge import MAX_SLACK_BODY_BYTES

ROOT = Path(__file__).resolve().parents[2]
HUGE = 400 * 1024 * 1024
CHUNK = 1024 * 1024
# Refusing must not cost memory: far below the 800 MB the unbounded read took.
MAX_RSS_GROWTH_MB = 64

pytestmark = pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads RSS from /proc (Linux)")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def server(tmp_path):
    database_url = f"sqlite:///{tmp_path / 'waslack.db'}"
    upgrade(database_url)
    settings = {
        "META_APP_ID": "1", "META_APP_SECRET": META_APP_SECRET, "META_CONFIG_ID": "c",
        "META_WEBHOOK_VERIFY_TOKEN": "verify", "SLACK_SIGNING_SECRET": SLACK_SIGNING_SECRET,
        "SLACK_BOT_TOKEN": "xoxb-1", "PUBLIC_BASE_URL": "https://relay.example",
        "WASLACK_ENCRYPTION_KEYS": Fernet.generate_key().decode(), "DATABASE_URL": database_url,
        "SLACK_API_URL": "http://127.0.0.1:9/api/",
    }
    port = free_port()
    log_path = tmp_path / "server.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "--factory", "bench.servers:relay_app", "--port", str(port),
             "--log-level", "info"],
            cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
            env={**os.environ, "BENCH_SETTINGS": json.dumps(settings), "PYTHONPATH": str(ROOT)},
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(url + "/healthz", timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise AssertionError("the relay did not start:\n" + log_path.read_text()) from None
                time.sleep(0.1)
        yield url, port, process.pid, log_path
    finally:
        process.terminate()
        process.wait(timeout=10)


def post_streamed(port: int, path: str, total: int) -> tuple[int, bytes]:
    """POST ``total`` bytes with chunked encoding until the server answers; (bytes it accepted, answer)."""
    sent = 0
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(f"POST {path} HTTP/1.1\r\nHost: relay\r\nContent-Type: application/json\r\n"
                     "Transfer-Encoding: chunked\r\n\r\n".encode())
        chunk = f"{CHUNK:x}\r\n".encode() + b" " * CHUNK + b"\r\n"
        try:
            while sent < total:
                sock.sendall(chunk)
                sent += CHUNK
        except OSError:  # the server answered and closed while we were still sending
            pass
        answer = b""
        try:
            while b"\r\n\r\n" not in answer:
                data = sock.recv(65536)
                if not data:
                    break
                answer += data
        except OSError:
            pass
    return sent, answer


def hang_up_mid_body(port: int, path: str) -> None:
    """Promise 100 kB, send 1 kB, hang up."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(f"POST {path} HTTP/1.1\r\nHost: relay\r\nContent-Length: 100000\r\n\r\n".encode()
                     + b"{" * 1000)
        time.sleep(0.2)


def test_a_400_mb_post_costs_no_memory_and_hostile_bodies_no_5xx(server):
    url, port, pid, log_path = server
    before = rss_mb(pid)

    declared = httpx.post(url + "/slack/events", content=(b" " * CHUNK for _ in range(HUGE // CHUNK)),
                          headers={"Content-Length": str(HUGE), "Content-Type": "application/json"}, timeout=60)
    assert declared.status_code == 413
    after_declared = rss_mb(pid)

    sent, answer = post_streamed(port, "/slack/events", HUGE)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    after_streamed = rss_mb(pid)
    # What the client managed to push is what the server read plus what the sockets buffer on the way.
    assert sent < HUGE / 4, f"{sent} bytes went in before the server refused"

    print(f"\nRSS before {before:.0f} MB; after a 400 MB POST with Content-Length {after_declared:.0f} MB; "
          f"after a chunked 400 MB POST {after_streamed:.0f} MB (client pushed {sent / CHUNK:.0f} MiB, "
          f"limit {MAX_SLACK_BODY_BYTES / CHUNK:.0f} MiB)")
    assert after_streamed - before < MAX_RSS_GROWTH_MB

    deep = b'{"a":' * 100_000
    answers = {
        "unsigned deep JSON": httpx.post(url + "/slack/events", content=deep),
        "signed deep JSON": httpx.post(url + "/slack/events", content=deep, headers=slack_signed(deep)),
        "non-integer timestamp": httpx.post(url + "/slack/events", content=b"{}",
                                            headers={"X-Slack-Request-Timestamp": "soon",
                                                     "X-Slack-Signature": "v0=00"}),
        "signed deep Meta webhook": httpx.post(url + "/webhooks/whatsapp", content=deep, headers=meta_signed(deep)),
    }
    assert {what: r.status_code for what, r in answers.items()} == {
        "unsigned deep JSON": 401, "signed deep JSON": 400, "non-integer timestamp": 400,
        "signed deep Meta webhook": 200}  # stored for the inspector, marked unparseable by the worker
    for path in ("/slack/events", "/webhooks/whatsapp"):
        hang_up_mid_body(port, path)
    assert httpx.get(url + "/healthz").status_code == 200
    time.sleep(0.3)
    log = log_path.read_text()
    assert "Traceback" not in log and "RecursionError" not in log and " 500" not in log, log
