"""A real `waslack serve` subprocess for tests that must see the process as an operator runs it."""

from __future__ import annotations

import contextlib
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def running_serve(env: Mapping[str, str], cwd: Path, log_path: Path, *args: str,
                  stop: signal.Signals = signal.SIGTERM) -> Iterator[str]:
    """`waslack serve [args]` on a free loopback port, its stdout and stderr in ``log_path``; yields its base
    URL once /healthz answers, and stops it with ``stop`` at the end."""
    port = free_port()
    with log_path.open("wb") as log_file:
        server = subprocess.Popen([sys.executable, "-m", "relay.cli", "serve", "--host", "127.0.0.1", "--port",
                                   str(port), *args], env=dict(env), cwd=cwd, stdout=log_file,
                                  stderr=subprocess.STDOUT)
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 60
            while True:
                assert server.poll() is None, log_path.read_text()
                try:
                    if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert time.monotonic() < deadline, "serve did not come up"
                time.sleep(0.1)
            yield base
        finally:
            server.send_signal(stop)
            server.wait(timeout=30)
