"""The processes a benchmark measures: the relay as a real `waslack serve` and the bare Starlette ceiling, each
its own uvicorn process (the load generator and the simulators never share its interpreter), and its peak RSS."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import httpx
from pydantic import SecretStr

from relay.settings import Settings

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Served:
    """A server process the benchmark started, and where it listens."""

    url: str
    process: subprocess.Popen

    def peak_rss_mb(self) -> float | None:
        """VmHWM (the process's peak resident set) from /proc, in MB; None off Linux or once it has exited."""
        try:
            status = Path(f"/proc/{self.process.pid}/status").read_text()
        except OSError:
            return None
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
        return None

    def cpu_seconds(self) -> float | None:
        """User + system CPU time the process has used so far (from /proc/<pid>/stat); None off Linux."""
        try:
            fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def relay_env(settings: Settings, public_url: str, overrides: Mapping[str, str] = ()) -> dict[str, str]:  # type: ignore[assignment]
    """The environment of a `waslack serve` that shares ``settings`` (database, secrets, simulator URLs)."""
    env = {k: v for k, v in os.environ.items() if k not in Settings.model_fields}
    for name, value in settings.model_dump().items():
        if value is not None:
            env[name] = value.get_secret_value() if isinstance(value, SecretStr) else str(value)
    env.update(PUBLIC_BASE_URL=public_url, PYTHONPATH=str(ROOT))
    env.update(dict(overrides))
    return env


async def _wait_ready(url: str, process: subprocess.Popen, path: str) -> None:
    async with httpx.AsyncClient(timeout=2) as client:
        for _ in range(600):
            if process.poll() is not None:
                raise RuntimeError(f"server exited with {process.returncode}: {_tail(process)}")
            try:
                if (await client.get(url + path)).status_code < 500:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.05)
    raise RuntimeError(f"server at {url} never became ready")


def _tail(process: subprocess.Popen) -> str:
    if process.stderr is None:
        return ""
    with contextlib.suppress(Exception):
        return process.stderr.read().decode(errors="replace")[-2000:]
    return ""


@contextlib.asynccontextmanager
async def serving(argv: list[str], port: int, env: dict[str, str], *, ready_path: str) -> AsyncIterator[Served]:
    """Start ``argv`` (a uvicorn server on ``port``), wait until ``ready_path`` answers, stop it at the end."""
    process = await asyncio.to_thread(subprocess.Popen, argv, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                                      stderr=subprocess.PIPE)
    served = Served(f"http://127.0.0.1:{port}", process)
    drain = None
    try:
        await _wait_ready(served.url, process, ready_path)
        # stderr is a pipe nobody reads while the server runs: a chatty server must never block on it
        drain = asyncio.get_running_loop().run_in_executor(None, _drain, process)
        yield served
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(asyncio.to_thread(process.wait), 20)
            except TimeoutError:
                process.kill()
                await asyncio.to_thread(process.wait)
        if drain is not None:
            await drain


def _drain(process: subprocess.Popen) -> None:
    if process.stderr is not None:
        for line in process.stderr:
            if b" WARNING " in line or b" ERROR " in line or b"Traceback" in line:
                sys.stderr.write("relay: " + line.decode(errors="replace"))


def relay_command(port: int, *, workers: bool = True) -> list[str]:
    """`waslack serve` on loopback: the production entry point, its uvicorn settings and its logging, without
    the access line per request (the bare ceiling writes none either; behind a proxy, the proxy logs them);
    ``workers=False``: a web-only process (``--no-workers``)."""
    return [sys.executable, "-m", "relay.cli", "serve", "--host", "127.0.0.1", "--port", str(port),
            "--no-access-log", *([] if workers else ["--no-workers"])]


def ceiling_command(port: int) -> list[str]:
    """The bare Starlette endpoint (bench/servers.py) under the same uvicorn settings as `waslack serve`."""
    return [sys.executable, "-m", "bench.servers", "--port", str(port)]
