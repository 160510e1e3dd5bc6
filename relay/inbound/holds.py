"""A candidate's messages reach Slack in the order they were written, even when one of their webhooks fails
or is in another worker's hands.

A webhook whose processing failed is retried later, with backoff. Without a hold, the candidate's next
webhooks would be processed meanwhile and their messages posted first. So a failed webhook *holds* the
candidates it carries (``WebhookInbox.holds``: ``<phone_number_id>:<candidate>``, one per line) while it waits
for its retry, and a later webhook of one of those candidates waits behind it (deferred, no attempt counted),
holding its own candidates in turn. Other candidates are never held up. A webhook parked as dead releases its
hold: what came after it goes on, and the dead one stays in the inspector with its error.

The same goes for an older webhook that is still pending without a hold: leased by a worker of another
process (or of one that died mid-batch, until its lease runs out), or committed after the claim looked. Its
candidates are read from its body (``keys_of``), and a claimed webhook of one of them waits a moment behind
it, so two processes never post one candidate's messages out of order."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from relay.inbound.processing import UnparseableBody, candidate_key, decode_body
from storage.models import utcnow
from whatsapp.webhook_models import Change, MalformedPayloadError, parse_webhook

# a webhook that waits behind another becomes due just after it, so a retried holder goes first
BEHIND = timedelta(milliseconds=200)


def held_keys(changes: list[Change]) -> set[str]:
    """The conversations a webhook's messages belong to (statuses and account events hold nothing)."""
    keys = set()
    for change in changes:
        if change.field != "messages" or not change.phone_number_id:
            continue
        for message in change.messages:
            key = candidate_key(change, message)
            if key:
                keys.add(f"{change.phone_number_id}:{key}")
    return keys


def keys_of(body: bytes) -> set[str]:
    """``held_keys`` of a stored body (none when it cannot be read: it will be parked as unparseable)."""
    try:
        return held_keys(parse_webhook(decode_body(body)))
    except (UnparseableBody, MalformedPayloadError):
        return set()


def encode(keys: set[str]) -> str | None:
    return "\n".join(sorted(keys)) or None


def decode(holds: str | None) -> set[str]:
    return {key for key in (holds or "").split("\n") if key}


@dataclass(frozen=True)
class Holder:
    inbox_id: int
    due_at: datetime
    why: str = "which failed"  # for the inspector: "waits for webhook 12 (the same candidate), <why>"

    def behind(self) -> datetime:
        """When a webhook that waits for this one is due again: just after it (or just after now)."""
        return max(self.due_at, utcnow()) + BEHIND


class Holds:
    """The candidates held by webhooks still waiting for a retry, each by its earliest holder."""

    def __init__(self) -> None:
        self._by_key: dict[str, Holder] = {}

    def add(self, key: str, holder: Holder) -> None:
        current = self._by_key.get(key)
        if current is None or holder.inbox_id < current.inbox_id:
            self._by_key[key] = holder

    def hold(self, keys: set[str], inbox_id: int, due_at: datetime, why: str = "which failed") -> None:
        for key in keys:
            self.add(key, Holder(inbox_id, due_at, why))

    def blocker(self, inbox_id: int, keys: set[str]) -> Holder | None:
        """The earlier webhook ``inbox_id`` must wait for, if one of its candidates is held."""
        holders = [h for key in keys if (h := self._by_key.get(key)) is not None and h.inbox_id < inbox_id]
        return max(holders, key=lambda h: h.due_at) if holders else None

    def __bool__(self) -> bool:
        return bool(self._by_key)
