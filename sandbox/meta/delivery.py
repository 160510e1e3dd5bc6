"""Delivering webhooks like Meta (reference 3.3): batched, signed, retried with backoff for up to a week,
sometimes twice. Every POST and every attempt is kept for ``GET /_sim/meta/deliveries``.
"""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import httpx

from .webhooks import Update, batch_payload, signed_request

if TYPE_CHECKING:
    from .state import MetaWorld

BODY_INLINE_LIMIT = 16 * 1024  # larger bodies are listed by size unless ?body=1


@dataclass
class Attempt:
    """One POST of a delivery and what the relay answered."""

    at: float
    kind: str  # "first" | "retry" | "redeliver"
    status: int | None = None
    latency_ms: float | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300 and self.error is None

    def as_dict(self) -> dict:
        view = {k: v for k, v in self.__dict__.items() if v is not None}
        if self.latency_ms is None:
            view["in_flight"] = True  # the relay has not answered yet
        return view


@dataclass
class Delivery:
    """One signed body for one callback URL, with its attempts."""

    id: str
    url: str
    raw: bytes
    headers: dict[str, str]
    created_at: float
    updates: int
    fields: list[str]
    duplicate_of: list[str] = field(default_factory=list)
    attempts: list[Attempt] = field(default_factory=list)
    state: str = "pending"  # pending | delivered | retrying | dropped
    next_attempt_at: float | None = None
    items: list[Update] = field(default_factory=list)
    done: asyncio.Event = field(default_factory=asyncio.Event)  # set after the first attempt

    def as_dict(self, with_body: bool) -> dict:
        """The listing's view: id, url, state, attempts (time, status, latency) and the body or its size."""
        view: dict = {
            "id": self.id,
            "url": self.url,
            "created_at": self.created_at,
            "state": self.state,
            "updates": self.updates,
            "fields": self.fields,
            "size": len(self.raw),
            "attempts": [a.as_dict() for a in self.attempts],
        }
        if self.next_attempt_at is not None:
            view["next_attempt_at"] = self.next_attempt_at
        if self.duplicate_of:
            view["duplicate_of"] = self.duplicate_of
        if with_body or len(self.raw) <= BODY_INLINE_LIMIT:
            view["body"] = self.raw.decode("ascii")
        return view


class WebhookDispatcher:
    """Pending updates per callback URL, the deliveries made of them, and their attempts."""

    def __init__(self, world: MetaWorld, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.world = world
        self.transport = transport
        self.client: httpx.AsyncClient | None = None  # shared while the app is served
        self.deliveries: dict[str, Delivery] = {}
        self._pending: dict[str, list[Update]] = {}
        self._flush_due: dict[str, float] = {}
        self._seq = 0
        self._originals = 0
        self._random = random.Random(world.rules.delivery.seed)

    @property
    def rules(self):  # type: ignore[no-untyped-def]
        return self.world.rules.delivery

    # queueing -------------------------------------------------------------------------------------
    def enqueue(self, update: Update) -> None:
        """Hold an update for its URL's batch; the batch leaves when its window ends or it is full."""
        queue = self._pending.setdefault(update.url, [])
        queue.append(update)
        if sum(u.size for u in queue) >= self.rules.batch_max_updates:
            self._close_batch(update.url)
        elif update.url not in self._flush_due:
            due = self.world.clock() + self.rules.batch_window_seconds
            self._flush_due[update.url] = due
            self.world.scheduler.at(due, lambda url=update.url: self._on_window_end(url, due))

    def enqueue_payload(self, url: str, payload: dict) -> Delivery:
        """A ready-made body (raw control requests): delivered as it is, alone, with retries."""
        delivery = self._new_delivery(url, payload, updates=1, items=[])
        self._schedule_attempt(delivery, 0.0, "first")
        return delivery

    def pending_updates(self) -> int:
        return sum(u.size for queue in self._pending.values() for u in queue)

    def close_all_batches(self) -> None:
        """Send every held batch now, whatever its window (``flush``)."""
        for url in list(self._pending):
            self._close_batch(url)

    async def deliver_now(self, url: str) -> list[Delivery]:
        """Close the URL's batch at once and wait for the first attempt of what it made."""
        made = self._close_batch(url)
        self.world.scheduler.run_due()
        for delivery in made:
            await delivery.done.wait()
        return made

    def _on_window_end(self, url: str, due: float) -> None:
        if self._flush_due.get(url) == due:
            self._close_batch(url)

    def _close_batch(self, url: str) -> list[Delivery]:
        queue = self._pending.pop(url, [])
        self._flush_due.pop(url, None)
        made = []
        batch: list[Update] = []
        for update in queue:
            if batch and sum(u.size for u in batch) + update.size > self.rules.batch_max_updates:
                made.append(self._delivery_of(url, batch))
                batch = []
            batch.append(update)
        if batch:
            made.append(self._delivery_of(url, batch))
        return made

    def _delivery_of(self, url: str, batch: list[Update]) -> Delivery:
        delivery = self._new_delivery(url, batch_payload(batch), updates=sum(u.size for u in batch), items=batch)
        delivery.duplicate_of = sorted({u.copy_of for u in batch if u.copy_of})
        self._schedule_attempt(delivery, 0.0, "first")
        return delivery

    def _new_delivery(self, url: str, payload: dict, *, updates: int, items: list[Update]) -> Delivery:
        self._seq += 1
        raw, headers = signed_request(self.world, payload)
        fields = sorted({c.get("field") for e in payload.get("entry") or [] if isinstance(e, dict)
                         for c in e.get("changes") or [] if isinstance(c, dict)} - {None})  # fmt: skip
        delivery = Delivery(f"d{self._seq}", url, raw, headers, self.world.clock(), updates, fields, items=items)
        self.deliveries[delivery.id] = delivery
        return delivery

    # attempts -------------------------------------------------------------------------------------
    def _schedule_attempt(self, delivery: Delivery, delay: float, kind: str) -> None:
        due = self.world.clock() + delay
        delivery.next_attempt_at = due
        self.world.scheduler.at(due, lambda: self._attempt_if_due(delivery, due, kind))

    def _attempt_if_due(self, delivery: Delivery, due: float, kind: str):  # type: ignore[no-untyped-def]
        if delivery.next_attempt_at != due or delivery.state in ("delivered", "dropped"):
            return None  # redelivered meanwhile
        delivery.next_attempt_at = None
        return self.attempt(delivery, kind)

    async def attempt(self, delivery: Delivery, kind: str) -> Attempt:
        """POST the delivery's exact bytes once; a non-2xx or slow answer schedules the next retry."""
        attempt = Attempt(at=self.world.clock(), kind=kind)
        delivery.attempts.append(attempt)
        started = time.perf_counter()
        try:
            response = await asyncio.wait_for(self._post(delivery), self.rules.slow_answer_seconds)
            attempt.status = response.status_code
        except TimeoutError:
            attempt.error = f"no answer within {self.rules.slow_answer_seconds:g} s"
        except httpx.HTTPError as exc:
            attempt.error = repr(exc)
        attempt.latency_ms = round((time.perf_counter() - started) * 1000, 2)
        if attempt.ok:
            if delivery.state != "delivered" and kind != "redeliver":
                self._maybe_duplicate(delivery)
            delivery.state, delivery.next_attempt_at = "delivered", None
        elif kind != "redeliver":
            self._after_failure(delivery)  # a failed redelivery leaves the retry schedule as it was
        delivery.done.set()
        return attempt

    async def _post(self, delivery: Delivery) -> httpx.Response:
        if self.client is not None:
            return await self.client.post(delivery.url, content=delivery.raw, headers=delivery.headers)
        async with httpx.AsyncClient(transport=self.transport, timeout=None) as client:
            return await client.post(delivery.url, content=delivery.raw, headers=delivery.headers)

    def _after_failure(self, delivery: Delivery) -> None:
        rules = self.rules
        retries = sum(1 for a in delivery.attempts if a.kind != "redeliver") - 1
        delays = rules.retry_delays_seconds
        delay = delays[min(retries, len(delays) - 1)] / rules.clock_compression
        meta_age = (self.world.clock() + delay - delivery.created_at) * rules.clock_compression
        if not rules.retry or meta_age > rules.retry_for_seconds:
            delivery.state, delivery.next_attempt_at = "dropped", None
            return
        delivery.state = "retrying"
        self._schedule_attempt(delivery, delay, "retry")

    def _maybe_duplicate(self, delivery: Delivery) -> None:
        """Meta delivers at least once: now and then the same updates arrive again in a later POST."""
        if delivery.duplicate_of or not delivery.items:
            return  # duplicates are not duplicated again; raw bodies are never duplicated
        rules = self.rules
        self._originals += 1
        every = rules.duplicate_every and self._originals % rules.duplicate_every == 0
        drawn = rules.duplicate_probability and self._random.random() < rules.duplicate_probability
        if not (every or drawn):
            return
        copies = [Update(u.url, u.entry_id, u.field, u.value, u.entry_time, copy_of=delivery.id)
                  for u in delivery.items]  # fmt: skip
        self.world.scheduler.after(rules.duplicate_delay_seconds, lambda: self._enqueue_all(copies))

    def _enqueue_all(self, updates: list[Update]) -> None:
        for update in updates:
            self.enqueue(update)

    async def redeliver(self, delivery: Delivery) -> Attempt:
        """POST the same bytes again now (a control action); a success ends pending retries."""
        return await self.attempt(delivery, "redeliver")

    def reseed(self) -> None:
        """Restart the duplicate draws from the configured seed (after a settings change)."""
        self._random = random.Random(self.rules.seed)
        self._originals = 0

    async def start(self) -> None:
        """Share one HTTP client while the app is served."""
        if self.client is None:
            self.client = httpx.AsyncClient(transport=self.transport, timeout=None)

    async def stop(self) -> None:
        if self.client is not None:
            await self.client.aclose()
            self.client = None
