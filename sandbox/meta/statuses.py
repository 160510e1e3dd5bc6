"""Statuses of sent messages (reference 3.6): built with Meta's pricing and conversation objects, and emitted
by themselves after each accepted send — sent → delivered → read (→ played), sometimes out of order — or
as a later ``failed`` status with ``errors`` when the send was doomed (closed window, faults, bad link).
"""

from __future__ import annotations

import hashlib
import random
from typing import TYPE_CHECKING

from . import webhooks
from .errors import webhook_error
from .media_links import fetch_link

if TYPE_CHECKING:
    from .state import MetaWorld, PhoneNumber

FREE_ENTRY_POINT_SECONDS = 72 * 3600  # a click-to-WhatsApp ad opens a 72-hour free entry point
CONVERSATION_SECONDS = 24 * 3600
MEDIA_KINDS = ("image", "audio", "video", "document", "sticker")
OUT_OF_ORDER_LAG_SECONDS = 0.2


def _version_number(version: str) -> float:
    return float(version.removeprefix("v"))


def pricing(world: MetaWorld, number: PhoneNumber, sent: dict) -> dict:
    """Per-message pricing (PMP): templates are billable by category, service replies and utility templates
    inside an open service window are free, everything inside a free entry point is free."""
    recipient = sent["wa_id"]
    if world.entry_point_open(number.id, recipient):
        return {"billable": False, "pricing_model": "PMP", "type": "free_entry_point",
                "category": "referral_conversion"}  # fmt: skip
    if sent.get("type") != "template":
        return {"billable": False, "pricing_model": "PMP", "type": "free_customer_service", "category": "service"}
    category = template_category(world, number, sent)
    if category == "utility" and world.window_open(number.id, recipient):
        return {"billable": False, "pricing_model": "PMP", "type": "free_customer_service", "category": "utility"}
    return {"billable": True, "pricing_model": "PMP", "type": "regular", "category": category}


def template_category(world: MetaWorld, number: PhoneNumber, sent: dict) -> str:
    """The sent template's category in lower case (utility when the template is unknown)."""
    name = (sent.get("template") or {}).get("name")
    template = next((t for t in world.waba_templates(number.waba_id) if t.name == name), None)
    return (template.category if template else "utility").lower()


def conversation(world: MetaWorld, number: PhoneNumber, sent: dict, price: dict, status: str) -> dict | None:
    """The conversation object: always before v24.0, and from v24.0 only inside a free entry point."""
    if _version_number(world.config.api_version) >= 24 and price["type"] != "free_entry_point":
        return None
    origin = price["category"] if price["category"] != "referral_conversion" else "referral_conversion"
    seed = f"{number.id}:{sent['wa_id']}:{origin}:{int(sent['at'] // CONVERSATION_SECONDS)}"
    result: dict = {"id": hashlib.md5(seed.encode()).hexdigest(), "origin": {"type": origin}}  # noqa: S324
    if status == "sent":
        lifetime = FREE_ENTRY_POINT_SECONDS if price["type"] == "free_entry_point" else CONVERSATION_SECONDS
        result["expiration_timestamp"] = str(int(sent["at"] + lifetime))
    return result


def status_object(world: MetaWorld, number: PhoneNumber, sent: dict, status: str,
                  errors: list[dict] | None = None) -> dict:  # fmt: skip
    """One ``statuses[]`` item. Pricing rides on ``sent`` and on the first of delivered/read only."""
    result: dict = {"id": sent["wamid"], "status": status, "timestamp": str(int(world.clock()))}
    if sent.get("recipient_kind") == "user_id":
        result["recipient_user_id"] = sent["wa_id"]  # sent to a business-scoped user id (reference 2.8)
    else:
        result["recipient_id"] = sent["wa_id"]
    if sent.get("biz_opaque_callback_data"):
        result["biz_opaque_callback_data"] = sent["biz_opaque_callback_data"]
    earlier = sent.setdefault("statuses", [])
    priced = status == "sent" or (status in ("delivered", "read") and not {"delivered", "read"} & set(earlier))
    if priced and status != "failed":
        price = sent.get("pricing") or pricing(world, number, sent)
        conv = conversation(world, number, sent, price, status)
        if conv is not None:
            result["conversation"] = conv
        result["pricing"] = price
    if errors:
        result["errors"] = errors
    return result


class StatusEmitter:
    """Schedules and emits the statuses that follow accepted sends."""

    def __init__(self, world: MetaWorld) -> None:
        self.world = world
        self._random = random.Random(world.rules.statuses.seed)
        self._count = 0

    def reseed(self) -> None:
        """Restart the out-of-order draws from the configured seed (after a settings change)."""
        self._random = random.Random(self.world.rules.statuses.seed)
        self._count = 0

    def emit(self, number: PhoneNumber, sent: dict, status: str, errors: list[dict] | None = None) -> dict:
        """Build a status, note it on the sent record, and queue its webhook (if the WABA is subscribed)."""
        item = status_object(self.world, number, sent, status, errors)
        sent["statuses"].append(status)
        sent["status"] = status
        if errors:
            sent["errors"] = errors
        self.queue(number, {"statuses": [item]})
        return item

    def queue(self, number: PhoneNumber, value: dict) -> None:
        """Queue a ``messages`` field value of this number for delivery."""
        world = self.world
        url = webhooks.callback_url(world, number.waba_id)
        if url and world.is_subscribed(number.waba_id):
            full_value = webhooks.messages_value(number, value)
            world.webhooks.enqueue(webhooks.Update(url, number.waba_id, "messages", full_value))

    def after_accept(self, number: PhoneNumber, sent: dict, failure: tuple[int, str] | None) -> None:
        """What follows a 200: a failed status for a doomed send, a link fetch, or the normal progression."""
        rules = self.world.rules
        scheduler = self.world.scheduler
        sent["pricing"] = pricing(self.world, number, sent)  # decided when Meta accepts the message
        if failure is not None:
            errors = [webhook_error(*failure)]
            scheduler.after(rules.statuses.sent_after_seconds, lambda: self._emit_later(number, sent, "failed", errors))
            return
        link = _link_of(sent)
        if link is not None and rules.sending.fetch_links:
            scheduler.after(0.0, lambda: self._fetch_then_progress(number, sent, link))
        elif rules.statuses.auto:
            self._progress(number, sent)

    def _emit_later(self, number: PhoneNumber, sent: dict, status: str, errors: list[dict] | None = None) -> None:
        self.emit(number, sent, status, errors)

    async def _fetch_then_progress(self, number: PhoneNumber, sent: dict, link: tuple[str, str]) -> None:
        kind, url = link
        outcome = await fetch_link(self.world, url, kind)
        sent["link_fetch"] = {"url": url, "failure": outcome[1] if outcome else None}
        if outcome is not None:
            self.emit(number, sent, "failed", [webhook_error(*outcome)])
        elif self.world.rules.statuses.auto:
            self._progress(number, sent)

    def _progress(self, number: PhoneNumber, sent: dict) -> None:
        rules = self.world.rules.statuses
        times: dict[str, float] = {"sent": rules.sent_after_seconds, "delivered": rules.delivered_after_seconds}
        if rules.read_after_seconds is not None:
            times["read"] = rules.read_after_seconds
            if sent.get("type") == "audio" and rules.played_after_seconds is not None:
                times["played"] = max(rules.played_after_seconds, rules.read_after_seconds)
            self._count += 1
            every = rules.out_of_order_every and self._count % rules.out_of_order_every == 0
            drawn = rules.out_of_order_probability and self._random.random() < rules.out_of_order_probability
            if every or drawn:  # the candidate had the chat open: read first, delivered late
                times["delivered"] = times["read"] + OUT_OF_ORDER_LAG_SECONDS
        for status, delay in sorted(times.items(), key=lambda item: item[1]):  # counted from acceptance
            self.world.scheduler.at(sent["at"] + delay, lambda s=status: self._emit_later(number, sent, s))


def _link_of(sent: dict) -> tuple[str, str] | None:
    """(media kind, URL) of a media message sent by link."""
    kind = sent.get("type")
    if kind in MEDIA_KINDS and isinstance(sent.get(kind), dict) and sent[kind].get("link"):
        return kind, str(sent[kind]["link"])
    return None
