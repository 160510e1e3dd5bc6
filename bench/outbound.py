"""Outbound relay benchmark (issue 8, section 9): ``python -m bench.outbound [--db sqlite|postgres] [--seconds N]
[--bulk N]``.

The relay runs as one real `waslack serve` process against the Meta and Slack simulators (served from this
process), one connected number, its channel, and candidates whose 24-hour windows are open. One JSON line:

- ``reply_p50_ms``, ``reply_p99_ms``: a recruiter's thread reply (a signed Slack message event POSTed to the
  relay, 50 a second over N seconds, round-robin over the candidates' threads) from the relay's acknowledgement
  until the Meta simulator accepted the WhatsApp message;
- ``bulk_msgs_per_s``: a /template send to 2,000 new numbers (recorded through the ``TemplateSender``, as the
  modal does), from the submission until the simulator accepted the last of them, the simulator enforcing 80
  messages/s with 130429 beyond;
- ``bulk_throttled``: how many 130429 answers the simulator gave meanwhile;
- ``duplicates``: messages the simulator accepted twice (the same reply text or template to the same number).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import sys
import time
import uuid
from collections import Counter
from typing import Any

import httpx
from sqlalchemy import select
from sqlmodel import col

from bench.ingest import bench_database, connect_numbers, percentile, rate_limits, relay_process
from bench.processes import Served
from bench.traffic import candidates, compare_to_targets, posts_at_steady_rate, text_webhook, until
from relay.template_sends.recording import TemplateSends
from relay.template_sends.request import Recipient, TemplateSendRequest
from sandbox.slack.envelopes import event_envelope
from sandbox.slack.signing import signed_headers
from sandbox.slack.state import Message
from sandbox.stack import Stack, running_stack
from storage.database import Database
from storage.messaging_models import Conversation
from whatsapp.signature import sign

REPLY_RATE = 50  # thread replies per second
CONVERSATIONS = 100  # each gets a reply every 2 s: within Meta's pair rate (one per 6 s, bursts of 45)
BULK = 2000
TARGETS = {"reply_p99_ms": ("<=", 150), "bulk_msgs_per_s": (">=", 76), "bulk_throttled": ("<=", 0),
           "duplicates": ("<=", 0)}


async def open_conversations(stack: Stack, relay_url: str, number: dict[str, Any], count: int,
                             database: Database) -> dict[str, str]:
    """``count`` candidates write (signed webhooks to the relay; their windows open on the simulator too);
    their thread parents by wa_id, once every thread exists."""
    people = candidates([number], count, prefix="4477")
    secret = stack.secrets["app_secret"]
    async with httpx.AsyncClient(timeout=10) as client:
        for index, person in enumerate(people):
            body = text_webhook(person, f"wamid.OPEN.{index}", f"hello {index}", 0)
            answer = await client.post(f"{relay_url}/webhooks/whatsapp", content=body, headers={
                "Content-Type": "application/json", "X-Hub-Signature-256": sign(body, secret)})
            answer.raise_for_status()
            # what the simulator would know had it sent the webhook: the window, and the message to mark read
            stack.meta.open_window(person.phone_number_id, person.wa_id)
            stack.meta.inbound[f"wamid.OPEN.{index}"] = {
                "phone_number_id": person.phone_number_id, "from": person.wa_id, "user_id": None,
                "at": stack.meta.clock(), "type": "text", "name": person.name, "message": {}}
    threads: dict[str, str] = {}

    async def all_open() -> bool:
        async with database.session() as session:
            rows = (await session.execute(select(Conversation.wa_id, Conversation.thread_ts).where(
                col(Conversation.thread_ts).is_not(None)))).all()
        threads.update({wa_id: ts for wa_id, ts in rows})
        return len(threads) >= count
    deadline = time.monotonic() + 120
    while not await all_open():
        if time.monotonic() > deadline:
            raise RuntimeError(f"only {len(threads)} of {count} threads opened")
        await asyncio.sleep(0.1)
    return threads


async def reply_phase(stack: Stack, relay_url: str, channel_id: str, threads: dict[str, str], seconds: float,
                      rate: float = REPLY_RATE) -> dict[str, Any]:
    """``rate`` signed thread replies a second for ``seconds`` (open loop): relay ack → Meta accepted it."""
    world, workspace = stack.slack, stack.workspace
    room = world.find_channel(channel_id)
    secret = stack.secrets["signing_secret"]
    people = sorted(threads.items())
    total = max(1, int(rate * seconds))

    def request(i: int) -> tuple[str, bytes, dict[str, str]]:
        _wa_id, thread_ts = people[i % len(people)]
        text = f"R{i:06d} when can you start?"
        ts = world.ts.next()
        message = {"type": "message", "user": workspace.admin_user_id, "text": text, "ts": ts, "thread_ts": thread_ts}
        room.messages[ts] = Message(channel_id, dict(message))  # in the channel, as the recruiter posted it
        event = {**message, "channel": channel_id, "channel_type": "channel", "event_ts": ts}
        body = json.dumps(event_envelope(world, workspace, event)).encode()
        return text, body, signed_headers(secret, int(time.time()), body, "application/json")

    sent = await posts_at_steady_rate(f"{relay_url}/slack/events", total, rate, request)
    acked, failures = sent.at, sent.failures

    def received() -> dict[str, float]:
        return {m["text"]["body"]: m["at"] for m in stack.meta.messages if m.get("type") == "text"
                and m["text"]["body"].startswith("R")}
    await until(lambda: len(received()) >= len(acked), within=120)
    shown = received()
    latencies = [(shown[t] - at) * 1000 for t, at in acked.items() if t in shown]
    return {"sent": total, "acked": len(acked), "failures": failures, "missing": len(acked) - len(latencies),
            "reply_p50_ms": round(statistics.median(latencies), 1) if latencies else None,
            "reply_p99_ms": percentile(latencies, 99)}


async def bulk_phase(stack: Stack, database: Database, number: dict[str, Any], count: int,
                     relay: Served) -> dict[str, Any]:
    """One /template send to ``count`` new numbers, recorded as the modal records it; the `waslack serve`
    process sends it."""
    before = Counter(stack.meta.limits.refused)
    request = TemplateSendRequest(
        team_id=stack.workspace.team_id, slack_user_id=stack.workspace.admin_user_id,
        phone_number_id=number["phone_number_id"], template_name="hello_world", language="en_US",
        category="UTILITY", components=(), preview_text="*Hello World*",
        recipients=tuple(Recipient(wa_id=f"4915{i:08d}") for i in range(count)),
        idempotency_key=f"bench:{uuid.uuid4().hex}")

    def templates() -> list[dict]:
        return [m for m in stack.meta.messages if m.get("type") == "template"]
    cpu_relay, cpu_here, waited = relay.cpu_seconds() or 0.0, time.process_time(), runqueue_seconds(relay)
    started = time.time()
    result = await TemplateSends(database).submit(request)
    submitted = time.time()
    await until(lambda: len(templates()) >= count, within=max(120.0, count / 20))
    sent = templates()
    first, last = min(m["at"] for m in sent), max(m["at"] for m in sent)
    per_second = Counter(int(m["at"] - started) for m in sent)
    refused = Counter(stack.meta.limits.refused) - before
    wall = time.time() - started
    cpu = {"relay_cpu_share": round(((relay.cpu_seconds() or 0.0) - cpu_relay) / wall, 2),
           "simulators_cpu_share": round((time.process_time() - cpu_here) / wall, 2),
           # the share of the wall time the relay was ready to run but another process had the CPU
           "relay_runqueue_share": round(((runqueue_seconds(relay) or 0.0) - (waited or 0.0)) / wall, 2)}
    return {"recipients": count, "accepted": result.accepted, "submit_ms": round((submitted - started) * 1000, 1),
            "received": len(sent),
            "bulk_msgs_per_s": round(len(sent) / (last - started), 1) if last > started else None,
            "first_to_last_msgs_per_s": round((len(sent) - 1) / (last - first), 1) if last > first else None,
            "bulk_throttled": refused.get(130429, 0), "pair_rate_refused": refused.get(131056, 0), **cpu,
            "per_second": [per_second.get(i, 0) for i in range(int(last - started) + 1)]}


def runqueue_seconds(served: Served) -> float | None:
    """Seconds the relay's main thread was ready to run but waited for a CPU (/proc/<pid>/schedstat): on a
    shared machine, how much of the wall time other processes took from it."""
    try:
        fields = open(f"/proc/{served.process.pid}/schedstat").read().split()  # noqa: SIM115, PTH123
    except OSError:
        return None
    return int(fields[1]) / 1e9


def duplicates(stack: Stack) -> int:
    """Messages the simulator accepted more than once: the same text, or the same template, to one number."""
    seen = Counter((m["wa_id"], m.get("type"), json.dumps(m.get("text") or m.get("template"), sort_keys=True))
                   for m in stack.meta.messages)
    return sum(n - 1 for n in seen.values() if n > 1)


async def measure(db: str = "sqlite", seconds: float = 10.0, *, bulk: int = BULK, conversations: int = CONVERSATIONS,
                  reply_rate: float = REPLY_RATE) -> dict[str, Any]:
    """Both phases once; the result is the JSON line. The keyword arguments shrink it for tests."""
    with bench_database(db) as database_url:
        async with running_stack(database_url=database_url) as stack:
            (number,) = await connect_numbers(stack, 1)
            original_limits = await rate_limits(stack)
            if original_limits is not None:  # Slack's own limits are not what this measures
                await rate_limits(stack, {**original_limits, "enabled": False})
            database = Database(database_url)
            rss: list[float] = []
            try:
                async with relay_process(stack, "off", rss) as relay:
                    # Meta's per-WABA callback override: statuses reach the measured relay, as in production
                    waba = stack.meta.wabas[stack.meta.numbers[number["phone_number_id"]].waba_id]
                    waba.subscriptions.setdefault(stack.meta.config.app_id, {})["override_callback_uri"] = \
                        f"{relay.url}/webhooks/whatsapp"
                    threads = await open_conversations(stack, relay.url, number, conversations, database)
                    cpu, waited, began = relay.cpu_seconds() or 0.0, runqueue_seconds(relay) or 0.0, time.time()
                    replies = await reply_phase(stack, relay.url, number["channel_id"], threads, seconds,
                                                reply_rate)
                    wall = time.time() - began
                    replies["relay_cpu_share"] = round(((relay.cpu_seconds() or 0.0) - cpu) / wall, 2)
                    replies["relay_runqueue_share"] = round(((runqueue_seconds(relay) or 0.0) - waited) / wall, 2)
                    sending = await bulk_phase(stack, database, number, bulk, relay)
                    repeated = duplicates(stack)
            finally:
                await database.dispose()
    result: dict[str, Any] = {
        "benchmark": "outbound", "db": db, "seconds": seconds,
        "reply_p50_ms": replies["reply_p50_ms"], "reply_p99_ms": replies["reply_p99_ms"],
        "bulk_msgs_per_s": sending["bulk_msgs_per_s"], "bulk_throttled": sending["bulk_throttled"],
        "duplicates": repeated, "rss_mb": max(rss) if rss else None,
        "detail": {"replies": replies, "bulk": sending},
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
    }
    result["targets_met"] = targets_met(result)
    return result


def targets_met(result: dict[str, Any]) -> dict[str, bool | None]:
    """Each target of issue 8 section 9, reported (never asserted)."""
    return compare_to_targets(result, TARGETS)


def run(db: str = "sqlite", seconds: float = 10.0) -> dict[str, Any]:
    """The whole benchmark (for bench/run.py)."""
    return asyncio.run(measure(db, seconds))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.outbound", description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--seconds", type=float, default=10.0, help="seconds of replies (default 10)")
    parser.add_argument("--bulk", type=int, default=BULK, help=f"recipients of the bulk send (default {BULK})")
    args = parser.parse_args(argv)
    print(json.dumps(asyncio.run(measure(args.db, args.seconds, bulk=args.bulk))), flush=True)


if __name__ == "__main__":
    sys.exit(main())
