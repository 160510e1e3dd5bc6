"""A small closed-loop HTTP load generator (httpx, asyncio): N workers, fixed duration, latency percentiles."""

from __future__ import annotations

import asyncio
import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def served(factory: str, env: dict[str, str] | None = None):
    """Run ``bench.servers:<factory>`` under uvicorn in its own process; yield its base URL."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--factory", f"bench.servers:{factory}", "--port", str(port),
         "--log-level", "warning", "--no-access-log"],
        cwd=ROOT, env={**os.environ, **(env or {}), "PYTHONPATH": str(ROOT)},
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(url + "/", timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError(f"{factory} did not start") from None
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


async def closed_loop(url: str, make_request: Callable[[], tuple[bytes, dict[str, str]]], *,
                      workers: int = 16, seconds: float = 5.0, expect: int = 200) -> dict[str, float]:
    """Each worker POSTs back-to-back for ``seconds``; returns requests/s and latency percentiles (ms)."""
    latencies: list[float] = []
    errors = 0
    stop_at = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=workers, max_keepalive_connections=workers)

    async with httpx.AsyncClient(limits=limits, timeout=10) as client:
        async def worker() -> None:
            nonlocal errors
            while time.perf_counter() < stop_at:
                body, headers = make_request()
                started = time.perf_counter()
                response = await client.post(url, content=body, headers=headers)
                latencies.append((time.perf_counter() - started) * 1000)
                errors += response.status_code != expect

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(workers)))
        elapsed = time.perf_counter() - started
    ordered = sorted(latencies)
    return {
        "requests": len(latencies),
        "errors": errors,
        "rps": round(len(latencies) / elapsed, 1),
        "p50_ms": round(statistics.median(ordered), 2),
        "p99_ms": round(ordered[int(len(ordered) * 0.99) - 1], 2),
    }


def wrk_available() -> bool:
    import shutil

    return shutil.which("wrk") is not None


def wrk_post(url: str, body: bytes, headers: dict[str, str], *, seconds: int = 5, connections: int = 32,
             threads: int = 1) -> dict[str, float]:
    """Open-loop-ish load from Debian's wrk (C, one thread) — far cheaper per request than a Python client."""
    import re
    import tempfile

    lines = ['wrk.method = "POST"', f"wrk.body = {json_lua(body.decode())}"]
    lines += [f"wrk.headers[{json_lua(k)}] = {json_lua(v)}" for k, v in headers.items()]
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write("\n".join(lines) + "\n")
    result = subprocess.run(["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s", "--latency",
                             "-s", script.name, url], capture_output=True, text=True, timeout=seconds + 30)
    out = result.stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)

    def percentile(p: str) -> float:
        match = re.search(rf"^\s+{p}%\s+([\d.]+)(us|ms|s)", out, flags=re.M)
        if not match:
            return float("nan")
        value, unit = float(match.group(1)), match.group(2)
        return round(value / 1000 if unit == "us" else value * 1000 if unit == "s" else value, 2)

    return {"rps": round(rps, 1), "errors": int(non2xx.group(1)) if non2xx else 0,
            "p50_ms": percentile("50"), "p99_ms": percentile("99"), "generator": "wrk"}


def json_lua(text: str) -> str:
    """A Lua string literal (JSON's escaping is a subset Lua reads)."""
    import json

    return json.dumps(text)
