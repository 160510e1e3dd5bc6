"""Load generators: Debian's wrk (C, one thread, far cheaper per request than any Python client) driven by a
Lua script that sends pre-signed bodies in turn, and a closed-loop httpx fallback for machines without wrk.
Both run without blocking the caller's event loop, so simulators served from it keep answering."""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import socket
import statistics
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import httpx

# wrk sends entry k of the data file (one "signature<TAB>body" line each) as request k, wrapping around
WRK_SCRIPT = """
local entries = {}
local sent = 0
init = function(args)
  for line in io.lines(%(data)s) do
    local tab = line:find("\\t", 1, true)
    entries[#entries + 1] = {line:sub(1, tab - 1), line:sub(tab + 1)}
  end
end
request = function()
  local entry = entries[(sent %% #entries) + 1]
  sent = sent + 1
  return wrk.format("POST", nil, {["Content-Type"] = "application/json",
                                  ["X-Hub-Signature-256"] = entry[1]}, entry[2])
end
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wrk_available() -> bool:
    return shutil.which("wrk") is not None


SignedBody = tuple[bytes, str]  # a webhook body and its X-Hub-Signature-256 header


async def drive(url: str, bodies: Sequence[SignedBody], *, seconds: float, connections: int = 64,
                use_wrk: bool | None = None) -> dict:
    """POST ``bodies`` (in turn, wrapping around) at ``url`` from ``connections`` connections for ``seconds``:
    requests/s, non-2xx count and latency percentiles (ms), with the generator's name."""
    if use_wrk if use_wrk is not None else wrk_available():
        return await _wrk(url, bodies, seconds=max(1, round(seconds)), connections=connections)
    return await _closed_loop(url, bodies, seconds=seconds, workers=connections)


async def _wrk(url: str, bodies: Sequence[SignedBody], *, seconds: int, connections: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="waslack-wrk-") as folder:
        script = await asyncio.to_thread(_write_script, Path(folder), bodies)
        process = await asyncio.create_subprocess_exec(
            "wrk", "-t", "1", "-c", str(connections), "-d", f"{seconds}s", "--timeout", "10s", "--latency",
            "-s", str(script), url, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        out, err = await asyncio.wait_for(process.communicate(), seconds + 60)
    return parse_wrk(out.decode(), err.decode())


def _write_script(folder: Path, bodies: Sequence[SignedBody]) -> Path:
    """The Lua script and the data file it reads, in ``folder``."""
    data, script = folder / "bodies.tsv", folder / "bodies.lua"
    with data.open("wb") as out:
        for body, signature in bodies:
            if b"\n" in body or "\t" in signature:
                raise ValueError("wrk bodies are one line each")
            out.write(signature.encode() + b"\t" + body + b"\n")
    script.write_text(WRK_SCRIPT % {"data": json.dumps(str(data))})
    return script


def parse_wrk(out: str, err: str = "") -> dict:
    """Requests/s, errors and p50/p99 (ms) from wrk's ``--latency`` report."""
    rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if rate is None:
        raise RuntimeError(f"wrk printed no rate: {out[-500:]} {err[-500:]}")
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    total = re.search(r"(\d+) requests in", out)

    def percentile(p: str) -> float:
        match = re.search(rf"^\s+{p}%\s+([\d.]+)(us|ms|s)\b", out, flags=re.M)
        if not match:
            return float("nan")
        value, unit = float(match.group(1)), match.group(2)
        return round(value / 1000 if unit == "us" else value * 1000 if unit == "s" else value, 2)

    return {"rps": round(float(rate.group(1)), 1), "requests": int(total.group(1)) if total else None,
            "errors": (int(non2xx.group(1)) if non2xx else 0)
            + (sum(int(n) for n in socket_errors.groups()) if socket_errors else 0),
            "p50_ms": percentile("50"), "p99_ms": percentile("99"), "generator": "wrk"}


async def _closed_loop(url: str, bodies: Sequence[SignedBody], *, seconds: float, workers: int) -> dict:
    """Each worker POSTs back-to-back for ``seconds`` (the fallback: it shares the caller's CPU)."""
    latencies: list[float] = []
    errors = 0
    sent = 0
    stop_at = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=workers, max_keepalive_connections=workers)
    async with httpx.AsyncClient(limits=limits, timeout=10) as client:
        async def worker() -> None:
            nonlocal errors, sent
            while time.perf_counter() < stop_at:
                body, signature = bodies[sent % len(bodies)]
                sent += 1
                started = time.perf_counter()
                try:
                    response = await client.post(url, content=body, headers={
                        "Content-Type": "application/json", "X-Hub-Signature-256": signature})
                    errors += response.status_code != 200
                except httpx.TransportError:
                    errors += 1
                latencies.append((time.perf_counter() - started) * 1000)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(workers)))
        elapsed = time.perf_counter() - started
    ordered = sorted(latencies) or [float("nan")]
    return {"rps": round(len(latencies) / elapsed, 1), "requests": len(latencies), "errors": errors,
            "p50_ms": round(statistics.median(ordered), 2),
            "p99_ms": round(ordered[max(0, int(len(ordered) * 0.99) - 1)], 2), "generator": "python"}
