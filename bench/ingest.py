"""Inbound relay benchmark (issue 7, section 10): ``python -m bench.ingest [--db sqlite|postgres] [--seconds N]``.

The relay runs as one real `waslack serve` process against the Meta and Slack simulators (served from this
process, which otherwise only waits), with ten connected numbers, each with its channel. One JSON line:

- ``acks_per_s``, ``p50_ms``, ``p99_ms``: signed one-message text webhooks from 100 candidates, unique wamids,
  from wrk at 64 connections for N seconds (every 200 follows a durable commit; the workers run meanwhile);
  ``ceiling_acks_per_s``: the same generator against a bare Starlette endpoint under the same uvicorn settings;
- ``e2e_msgs_per_s``: those messages divided by the time from the first request until the last of them was
  in the Slack simulator (its rate limits off, ``SLACK_CHANNEL_PACING=off``);
- ``e2e_p50_ms``, ``e2e_p99_ms``: ack → post reaching the simulator, 100 messages/s over the same 100
  conversations in 10 channels, same settings;
- ``burst_s``: 60 messages from 6 new candidates into one channel with the simulator's rate limits on and
  pacing on, until all are in Slack (checked in order); ``burst_floor_s``: what Slack's own per-channel
  chat.postMessage limit allows for those posts (60 replies + 6 thread parents);
- ``rss_mb``: the relay's peak resident memory (VmHWM);
- ``web_only_acks_per_s``, ``web_only_p99_ms``, ``web_only_ratio`` (not targets): the acknowledgement phase
  again, against `waslack serve --no-workers`: what the ack path costs without the workers beside it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import json
import os
import platform
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from typing import Any

from bench.bursts import burst_phase
from bench.load import drive, free_port, wrk_available
from bench.processes import ROOT, Served, ceiling_command, relay_command, relay_env, serving
from bench.traffic import (
    Candidate,
    SlackView,
    candidates,
    compare_to_targets,
    message_text,
    posts_at_steady_rate,
    signed_messages,
    text_webhook,
    until,
)
from sandbox.stack import Stack, running_stack
from storage.database import Database
from storage.repositories.inbox import InboxRepository
from storage.repositories.outbox import OutboxRepository
from whatsapp.signature import sign

DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
NUMBERS = 10
CONVERSATIONS = 100
LATENCY_RATE = 100  # messages per second in the latency phase
TARGETS = {"ratio": (">=", 0.6), "p99_ms": ("<=", 50), "e2e_msgs_per_s": (">=", 500), "e2e_p99_ms": ("<=", 250),
           "rss_mb": ("<=", 200)}


@contextlib.contextmanager
def bench_database(kind: str) -> Iterator[str]:
    """A fresh database: a SQLite file in a temporary folder, or a private PostgreSQL schema."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix="waslack-bench-") as folder:
            yield f"sqlite:///{folder}/bench.db"
        return
    from storage.testing import postgres_schema_url

    base = os.environ.get("TEST_DATABASE_URL") or DEFAULT_POSTGRES
    with postgres_schema_url(base, f"bench_{uuid.uuid4().hex[:12]}") as url:
        yield url


async def connect_numbers(stack: Stack, count: int) -> list[dict[str, Any]]:
    """``count`` numbers through Embedded Signup (the in-process relay), each with its own channel."""
    numbers = []
    for _ in range(count):
        connected = await stack.connect_number()
        if connected.get("status") != "connected":
            raise RuntimeError(f"connect failed: {connected}")
        numbers.append(connected["numbers"][0])
    relay = next(s for s in stack.servers if s.name == "relay")
    relay.server.should_exit = True  # the in-process relay steps aside for the measured `waslack serve`
    await asyncio.wait_for(relay.task, 10)
    return numbers


async def rate_limits(stack: Stack, config: dict[str, Any] | None = None) -> dict[str, Any] | None:
    """The Slack simulator's rate-limit configuration (set to ``config`` first); None if it has none."""
    url = f"{stack.slack_sim_url}/_sim/slack/rate_limits"
    answer = await (stack.http.post(url, json=config) if config is not None else stack.http.get(url))
    return dict(answer.json()) if answer.status_code == 200 else None


@contextlib.asynccontextmanager
async def relay_process(stack: Stack, pacing: str, rss: list[float], *, workers: bool = True):  # type: ignore[no-untyped-def]
    """`waslack serve` on the stack's database and simulators; its peak RSS is appended to ``rss``."""
    port = free_port()
    env = relay_env(stack.settings, f"http://127.0.0.1:{port}", {"SLACK_CHANNEL_PACING": pacing})
    async with serving(relay_command(port, workers=workers), port, env, ready_path="/readyz") as served:
        # Slack's events (the follow-on message events of the app's own posts) go to the measured relay, as in
        # production, not to the stack's own relay, which sits idle meanwhile
        slack = stack.slack
        before = slack.config
        slack.config = dataclasses.replace(before, relay_events_url=f"{served.url}/slack/events")
        try:
            yield served
        finally:
            slack.config = before
            peak = served.peak_rss_mb()
            if peak is not None:
                rss.append(peak)


async def wait_drained(database: Database, view: SlackView, *, stall_s: float = 60.0) -> None:
    """Until the inbox and the outbox hold nothing pending; fails when nothing moves for ``stall_s``."""
    last, moved = -1, time.monotonic()
    while True:
        async with database.session() as session:
            inbox = (await InboxRepository(session).counts()).get("pending", 0)
            outbox = await OutboxRepository(session).pending_count()
        if inbox == 0 and outbox == 0:
            return
        shown = view.count()
        if shown != last:
            last, moved = shown, time.monotonic()
        elif time.monotonic() - moved > stall_s:
            raise RuntimeError(f"the relay stalled: {inbox} webhooks and {outbox} Slack writes pending")
        await asyncio.sleep(0.05)


def percentile(values: list[float], p: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, max(0, int(round(p / 100 * len(ordered))) - 1))], 1)


async def ack_phase(relay: Served, people: list[Candidate], secret: str, seconds: float, ceiling_rps: float,
                    database: Database, view: SlackView, connections: int, use_wrk: bool | None) -> dict[str, Any]:
    """The generator at ``connections`` connections for ``seconds``, then the time until every acknowledged
    message is in Slack."""
    per_candidate = max(10, int(ceiling_rps * seconds * 1.3 / len(people)) + 1)  # more than can be sent
    bodies = signed_messages(people, per_candidate, secret, tag="A")
    cpu_before = relay.cpu_seconds() or 0.0
    started = time.time()
    acks = await drive(f"{relay.url}/webhooks/whatsapp", bodies, seconds=seconds, connections=connections,
                       use_wrk=use_wrk)
    acked_at = time.time()
    cpu_acks = (relay.cpu_seconds() or 0.0) - cpu_before
    await wait_drained(database, view)
    cpu_all = (relay.cpu_seconds() or 0.0) - cpu_before
    replies = view.replies("A")
    texts = [t for t, _ in replies]
    last = max((at for _, at in replies), default=started)
    after_acks = [at for _, at in replies if at > acked_at]
    return {**acks, "mirrored": len(texts), "duplicates": len(texts) - len(set(texts)),
            "e2e_msgs_per_s": round(len(texts) / (last - started), 1) if last > started else None,
            "drain_msgs_per_s": round(len(after_acks) / (last - acked_at), 1) if last > acked_at else None,
            "per_candidate_sent": per_candidate,
            # CPU the relay spent, robust to a shared machine: while acking (its workers ran too), and in all
            "relay_cpu_ms_per_ack": round(1000 * cpu_acks / acks["requests"], 3) if acks.get("requests") else None,
            "relay_cpu_ms_per_message": round(1000 * cpu_all / len(texts), 3) if texts else None}


async def latency_phase(url: str, people: list[Candidate], secret: str, seconds: float, view: SlackView,
                        first_sequence: int, rate: float = LATENCY_RATE) -> dict[str, Any]:
    """``rate`` messages a second (open loop, round-robin over ``people``): ack → post in Slack."""
    total = max(1, int(rate * seconds))

    def request(i: int) -> tuple[str, bytes, dict[str, str]]:
        index = i % len(people)
        sequence = first_sequence + i // len(people)
        text = message_text("L", index, sequence)
        body = text_webhook(people[index], f"wamid.L.{index}.{sequence}", text, sequence)
        return text, body, {"Content-Type": "application/json", "X-Hub-Signature-256": sign(body, secret)}

    sent = await posts_at_steady_rate(url, total, rate, request)
    acked, failures = sent.at, sent.failures
    await until(lambda: len(view.replies("L")) >= len(acked), within=120)
    shown = dict(view.replies("L"))
    latencies = [(shown[t] - at) * 1000 for t, at in acked.items() if t in shown]
    return {"sent": total, "acked": len(acked), "failures": failures, "missing": len(acked) - len(latencies),
            "e2e_p50_ms": round(statistics.median(latencies), 1) if latencies else None,
            "e2e_p99_ms": percentile(latencies, 99)}


async def measure(db: str = "sqlite", seconds: float = 10.0, *, use_wrk: bool | None = None, connections: int = 64,
                  numbers: int = NUMBERS, conversations: int = CONVERSATIONS, latency_rate: float = LATENCY_RATE,
                  burst_candidates: int = 6, burst_per_candidate: int = 10) -> dict[str, Any]:
    """Run every phase once; the result is the JSON line. The keyword arguments shrink it for tests."""
    with bench_database(db) as database_url:
        async with running_stack(database_url=database_url) as stack:
            connected = await connect_numbers(stack, numbers)
            original_limits = await rate_limits(stack)
            if original_limits is not None:
                await rate_limits(stack, {**original_limits, "enabled": False})
            people = candidates(connected, conversations, prefix="2126")
            secret = stack.secrets["app_secret"]
            view = SlackView(stack.slack, [n["channel_id"] for n in connected])
            database = Database(database_url)
            rss: list[float] = []
            try:
                port = free_port()
                env = {**os.environ, "PYTHONPATH": str(ROOT)}
                async with serving(ceiling_command(port), port, env, ready_path="/readyz") as bare:
                    ceiling = await drive(f"{bare.url}/webhooks/whatsapp", signed_messages(people, 10, secret,
                                          tag="X"), seconds=seconds, connections=connections, use_wrk=use_wrk)
                async with relay_process(stack, "off", rss) as relay:
                    acks = await ack_phase(relay, people, secret, seconds, ceiling["rps"], database, view,
                                           connections, use_wrk)
                    latency = await latency_phase(f"{relay.url}/webhooks/whatsapp", people, secret, seconds, view,
                                                  acks["per_candidate_sent"], latency_rate)
                async with relay_process(stack, "on", rss) as relay:
                    burst = await burst_phase(stack, relay.url, connected[0], secret, original_limits, view,
                                              candidates=burst_candidates, per_candidate=burst_per_candidate)
                # last, as nothing processes what it stores: the acknowledgements alone, workers elsewhere
                async with relay_process(stack, "off", rss, workers=False) as relay:
                    web_only = await drive(f"{relay.url}/webhooks/whatsapp", signed_messages(
                        people, acks["per_candidate_sent"], secret, tag="W"), seconds=seconds,
                        connections=connections, use_wrk=use_wrk)
            finally:
                await database.dispose()
    result: dict[str, Any] = {
        "benchmark": "ingest", "db": db, "seconds": seconds, "connections": connections, "generator": acks["generator"],
        "acks_per_s": acks["rps"], "p50_ms": acks["p50_ms"], "p99_ms": acks["p99_ms"],
        "ceiling_acks_per_s": ceiling["rps"],
        "ratio": round(acks["rps"] / ceiling["rps"], 3) if ceiling["rps"] else None,
        "e2e_msgs_per_s": acks["e2e_msgs_per_s"],
        "e2e_p50_ms": latency["e2e_p50_ms"], "e2e_p99_ms": latency["e2e_p99_ms"],
        **burst,
        "rss_mb": max(rss) if rss else None,
        # not a target: the same load at a `waslack serve --no-workers`, so the ack path's own cost shows
        "web_only_acks_per_s": web_only["rps"], "web_only_p99_ms": web_only["p99_ms"],
        "web_only_ratio": round(web_only["rps"] / ceiling["rps"], 3) if ceiling["rps"] else None,
        "detail": {"acks": acks, "ceiling": ceiling, "latency": latency, "web_only": web_only},
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "wrk": wrk_available()},
    }
    result["targets_met"] = targets_met(result)
    return result


def targets_met(result: dict[str, Any]) -> dict[str, bool | None]:
    """Each target of issue 7 section 10, reported (never asserted)."""
    met = compare_to_targets(result, TARGETS)
    burst, floor = result.get("burst_s"), result.get("burst_floor_s")
    met["burst_s"] = None if burst is None or not floor else burst <= 1.5 * floor
    return met


def run(db: str = "sqlite", seconds: float = 10.0) -> dict[str, Any]:
    """The whole benchmark (for bench/run.py)."""
    return asyncio.run(measure(db, seconds))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.ingest", description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--seconds", type=float, default=10.0, help="seconds of load per phase (default 10)")
    args = parser.parse_args(argv)
    print(json.dumps(asyncio.run(measure(args.db, args.seconds))), flush=True)


if __name__ == "__main__":
    sys.exit(main())
