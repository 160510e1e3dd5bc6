"""What Meta enforces on a send beyond its shape: per-number throughput (130429, reference 4.1), the pair
rate (131056, 4.2), the wa_id it answers with (2.2), and failures switched on per recipient or per number
that arrive later as ``failed`` statuses.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .errors import MetaError

if TYPE_CHECKING:
    from .state import MetaWorld, PhoneNumber


@dataclass
class TokenBucket:
    """``capacity`` tokens, refilled at ``rate`` per second; one message takes one."""

    rate: float
    capacity: float
    tokens: float
    updated: float

    def available(self, now: float) -> bool:
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        return self.tokens >= 1 - 1e-4  # clock floats near 1.7e9 s carry ~1e-7 s of rounding

    def take(self) -> None:
        self.tokens -= 1


class SendLimits:
    """Throughput per number and pair rate per (number, user), checked before and counted after acceptance."""

    def __init__(self, world: MetaWorld) -> None:
        self.world = world
        self._numbers: dict[str, TokenBucket] = {}
        self._pairs: dict[tuple[str, str], TokenBucket] = {}
        self.refused: Counter[int] = Counter()  # sends answered 130429 or 131056, by code (GET /_sim/meta/messages)

    def throughput_of(self, number: PhoneNumber) -> float:
        """Messages per second the number may send: its own level, else 20 (coexistence) or the default."""
        rules = self.world.rules.sending
        if number.throughput_per_second is not None:
            return number.throughput_per_second
        return rules.coexistence_throughput_per_second if number.is_on_biz_app else rules.throughput_per_second

    def _bucket(self, store: dict, key: object, rate: float, capacity: float) -> TokenBucket:
        bucket = store.get(key)
        if bucket is None or bucket.rate != rate or bucket.capacity != capacity:
            bucket = store[key] = TokenBucket(rate, capacity, capacity, self.world.clock())
        return bucket

    def check(self, number: PhoneNumber, wa_id: str) -> None:
        """Raise 130429 beyond the number's throughput, 131056 beyond the pair rate; consumes nothing."""
        now = self.world.clock()
        rate = self.throughput_of(number)
        if rate and not self._bucket(self._numbers, number.id, rate, rate).available(now):
            self.refused[130429] += 1
            raise MetaError(130429, details=f"Cloud API message throughput ({rate:g} messages/s) has been reached.")
        pair = self._pair(number, wa_id)
        if pair is not None and not pair.available(now):
            self.refused[131056] += 1
            raise MetaError(
                131056,
                details="Message failed to send because there were too many messages sent from this phone number "
                "to the same phone number in a short period of time.",
            )

    def count(self, number: PhoneNumber, wa_id: str) -> None:
        """An accepted message uses one token of each bucket."""
        rate = self.throughput_of(number)
        if rate:
            self._bucket(self._numbers, number.id, rate, rate).take()
        pair = self._pair(number, wa_id)
        if pair is not None:
            pair.take()

    def _pair(self, number: PhoneNumber, wa_id: str) -> TokenBucket | None:
        rules = self.world.rules.sending
        if not rules.pair_rate_seconds:
            return None
        burst = max(rules.pair_rate_burst, 1)
        return self._bucket(self._pairs, (number.id, wa_id), 1 / rules.pair_rate_seconds, burst)


def normalise_wa_id(digits: str) -> str:
    """The wa_id Meta answers for a number: Brazil's mobiles in their 8-digit form (55 DD 9XXXXXXXX → 55 DD
    XXXXXXXX), Mexico's mobiles with the ``1`` after 52 (52 XXXXXXXXXX → 521 XXXXXXXXXX); others unchanged."""
    if digits.startswith("55") and len(digits) == 13 and digits[4] == "9":
        return digits[:4] + digits[5:]
    if digits.startswith("52") and len(digits) == 12:
        return "521" + digits[2:]
    return digits


def resolve_wa_id(world: MetaWorld, digits: str) -> str:
    """The wa_id behind what the caller sent: a configured alias first, then normalisation if switched on."""
    if digits in world.wa_id_aliases:
        return world.wa_id_aliases[digits]
    return normalise_wa_id(digits) if world.rules.sending.normalize_wa_ids else digits


@dataclass
class RecipientFault:
    """Sends to ``wa_id`` (or from ``phone_number_id``) are accepted, then fail with ``error_code``."""

    error_code: int
    wa_id: str | None = None
    phone_number_id: str | None = None
    remaining: int | None = None  # None: until cleared
    details: str | None = None

    def matches(self, number: PhoneNumber, wa_id: str) -> bool:
        return (self.wa_id in (None, wa_id)) and (self.phone_number_id in (None, number.id))

    def as_dict(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if v is not None}


def parse_recipient_fault(spec: dict) -> RecipientFault:
    """Validate ``POST /_sim/meta/recipient_faults``; raises ValueError with the reason."""
    known = {"error_code", "wa_id", "phone_number_id", "count", "details"}
    if unknown := set(spec) - known:
        raise ValueError(f"unknown fields: {sorted(unknown)}")
    code = spec.get("error_code")
    if not isinstance(code, int) or isinstance(code, bool):
        raise ValueError("error_code must be an integer (for example 131026, 131049, 131047)")
    if spec.get("wa_id") is None and spec.get("phone_number_id") is None:
        raise ValueError("give wa_id, phone_number_id, or both")
    count = spec.get("count")
    if count is not None and (not isinstance(count, int) or count < 1):
        raise ValueError("count must be a positive integer")
    return RecipientFault(code, spec.get("wa_id"), spec.get("phone_number_id"), count, spec.get("details"))


def take_recipient_fault(world: MetaWorld, number: PhoneNumber, wa_id: str) -> RecipientFault | None:
    """The fault that applies to this send, consuming one of its uses."""
    for fault in world.recipient_faults:
        if fault.matches(number, wa_id):
            if fault.remaining is not None:
                fault.remaining -= 1
                if fault.remaining <= 0:
                    world.recipient_faults.remove(fault)
            return fault
    return None
