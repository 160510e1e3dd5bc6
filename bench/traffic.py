"""What the ingest benchmark sends and what it reads back: signed one-message text webhooks from candidates of
the connected numbers, shaped as Meta sends them (reference 3.5), and the thread replies the Slack simulator
holds, with the time each reached it."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any

import httpx

from whatsapp.signature import sign

FIRST_SENT_AT = 1893456000  # 2030-01-01: every message is inside the 24-hour window of its predecessor


@dataclass(frozen=True)
class Candidate:
    """One conversation: a candidate writing to one connected number (whose channel shows the thread)."""

    phone_number_id: str
    channel_id: str
    wa_id: str
    name: str


def candidates(numbers: list[dict[str, Any]], count: int, *, prefix: str) -> list[Candidate]:
    """``count`` candidates spread round-robin over ``numbers`` (the relay's answers to connect_number)."""
    out = []
    for i in range(count):
        number = numbers[i % len(numbers)]
        out.append(Candidate(number["phone_number_id"], number["channel_id"], f"{prefix}{i:06d}",
                             f"Bench {prefix}{i}"))
    return out


def text_webhook(candidate: Candidate, wamid: str, text: str, sequence: int) -> bytes:
    """One entry, one change, one text message: the body Meta POSTs for it."""
    return json.dumps({"object": "whatsapp_business_account", "entry": [{"id": "WABA", "changes": [{
        "field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "15550001111", "phone_number_id": candidate.phone_number_id},
            "contacts": [{"profile": {"name": candidate.name}, "wa_id": candidate.wa_id}],
            "messages": [{"from": candidate.wa_id, "id": wamid, "timestamp": str(FIRST_SENT_AT + sequence),
                          "type": "text", "text": {"body": text}}]}}]}]}, separators=(",", ":")).encode()


def message_text(tag: str, candidate_index: int, sequence: int) -> str:
    """The text of message ``sequence`` of a candidate: unique in the run, sortable within the candidate."""
    return f"{tag} c{candidate_index:04d} m{sequence:06d}"


def signed_messages(people: list[Candidate], per_candidate: int, secret: str, *, tag: str
                    ) -> list[tuple[bytes, str]]:
    """``per_candidate`` messages from each candidate, interleaved (one from each in turn), signed."""
    out = []
    for sequence in range(per_candidate):
        for index, person in enumerate(people):
            body = text_webhook(person, f"wamid.{tag}.{index}.{sequence}", message_text(tag, index, sequence),
                                sequence)
            out.append((body, sign(body, secret)))
    return out


class SlackView:
    """Reads the in-process Slack simulator's channels directly (no HTTP, so polling costs the relay nothing)."""

    def __init__(self, world: Any, channel_ids: Iterable[str]):
        self.world = world
        self.channel_ids = sorted(set(channel_ids))

    def replies(self, tag: str) -> list[tuple[str, float]]:
        """(text, time it reached Slack) of every thread reply whose text starts with ``tag``, in posting order
        per channel; Slack's ts is the simulator's clock (time.time) when the post arrived."""
        found = []
        for channel_id in self.channel_ids:
            for message in list(self.world.find_channel(channel_id).messages.values()):
                body = message.body
                text = body.get("text") or ""
                if body.get("thread_ts") not in (None, body["ts"]) and text.startswith(tag + " "):
                    found.append((text, float(body["ts"])))
        return found

    def count(self) -> int:
        """Every message in the channels, parents included (cheap: for polling)."""
        return sum(len(self.world.find_channel(c).messages) for c in self.channel_ids)


async def until(condition: Callable[[], bool], *, within: float) -> bool:
    """Poll ``condition`` every 50 ms; True once it holds, False after ``within`` seconds."""
    deadline = time.monotonic() + within
    while True:
        if condition():
            return True
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.05)


async def at_steady_rate(total: int, rate: float, send: Callable[[int], Awaitable[None]]) -> None:
    """Start ``send(0)`` … ``send(total - 1)`` ``rate`` per second, evenly spaced (not waiting for answers), then
    wait for all of them."""
    start = time.monotonic()
    tasks = []
    for i in range(total):
        delay = start + i / rate - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(send(i)))
    await asyncio.gather(*tasks)


@dataclass
class Acks:
    """When each request the relay acknowledged (200) was answered, by its key; failures counts the others."""

    at: dict[str, float]
    failures: int = 0


async def posts_at_steady_rate(url: str, total: int, rate: float,
                               request: Callable[[int], tuple[str, bytes, dict[str, str]]]) -> Acks:
    """POST ``request(i)`` (its key, body and headers) to ``url``, ``rate`` per second over 64 connections, not
    waiting for answers; the time of each 200, and how many got another answer or none."""
    acks = Acks({})
    async with httpx.AsyncClient(timeout=10, limits=httpx.Limits(max_connections=64)) as client:
        async def send(i: int) -> None:
            key, body, headers = request(i)
            try:
                answer = await client.post(url, content=body, headers=headers)
            except httpx.TransportError:
                acks.failures += 1
                return
            if answer.status_code == 200:
                acks.at[key] = time.time()
            else:
                acks.failures += 1

        await at_steady_rate(total, rate, send)
    return acks


def compare_to_targets(result: dict[str, Any], targets: dict[str, tuple[str, float]]) -> dict[str, bool | None]:
    """For each ``key: (">=" or "<=", bound)``, whether the result meets it (None when it was not measured)."""
    met: dict[str, bool | None] = {}
    for key, (op, bound) in targets.items():
        value = result.get(key)
        met[key] = None if value is None else (value >= bound if op == ">=" else value <= bound)
    return met
