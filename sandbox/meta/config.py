"""The simulator's typed configuration: which Meta app it pretends to be, where it delivers webhooks, and how
much of Meta's timing it imitates (batching, retries, duplicates, statuses, send limits).

The defaults of the three behaviour blocks are exact but instant: one update per POST, no retry, no status
unless asked for, closed windows refused at once. ``like_meta()`` on each block turns on what Meta really
does; the sandbox stack uses those.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace

DAY = 24 * 3600.0


@dataclass(frozen=True)
class WebhookDelivery:
    """How webhooks reach the relay (reference 3.3): batches, retries with backoff, duplicates."""

    batch_window_seconds: float = 0.0  # 0: every update is POSTed on its own, at once
    batch_max_updates: int = 1000  # Meta's ceiling per POST
    retry: bool = False  # retry non-2xx and slow answers
    # Meta seconds between attempts: the first retry is immediate, then less and less often; the last repeats.
    retry_delays_seconds: tuple[float, ...] = (0, 30, 120, 600, 1800, 3600, 3 * 3600, 6 * 3600, 12 * 3600, DAY)
    retry_for_seconds: float = 7 * DAY  # Meta seconds after the first attempt; then the delivery is dropped
    clock_compression: float = 1.0  # Meta seconds per simulator second for retry delays (600: 7 days ≈ 17 min)
    slow_answer_seconds: float = 10.0  # real seconds; a slower answer counts as a failure and is retried
    duplicate_every: int = 0  # every Nth delivered POST has its updates delivered once more (0: never)
    duplicate_probability: float = 0.0  # or: each delivered POST is duplicated with this probability
    duplicate_delay_seconds: float = 0.5  # simulator seconds between a delivery and its duplicate
    seed: int = 0  # seeds the duplicate draws

    @classmethod
    def like_meta(cls) -> WebhookDelivery:
        """Batches of up to 1000 updates, a week of retries on a 600× clock, one duplicate every 10 POSTs."""
        return cls(batch_window_seconds=0.1, retry=True, clock_compression=600.0, duplicate_every=10)


@dataclass(frozen=True)
class StatusFlow:
    """Status webhooks that follow each accepted send by themselves (reference 3.6)."""

    auto: bool = False  # sent → delivered → read (→ played for audio) after every accepted send
    sent_after_seconds: float = 0.1
    delivered_after_seconds: float = 0.3
    read_after_seconds: float | None = 1.0  # None: candidates never read
    played_after_seconds: float | None = 1.5  # audio only; None: never played
    out_of_order_every: int = 0  # every Nth message: delivered arrives after read (0: never)
    out_of_order_probability: float = 0.0
    seed: int = 0

    @classmethod
    def like_meta(cls) -> StatusFlow:
        """Statuses on, and one message in four has its delivered webhook arrive after read."""
        return cls(auto=True, out_of_order_every=4)


WINDOW_FAILURES = ("immediate", "status")


@dataclass(frozen=True)
class SendRules:
    """What Meta enforces on sends beyond their shape (reference 2.2, 2.4, 2.5, 4.1, 4.2)."""

    throughput_per_second: float = 80.0  # per number; 130429 beyond (0: unlimited)
    coexistence_throughput_per_second: float = 20.0
    pair_rate_seconds: float = 6.0  # one message per this many seconds to the same user; 131056 beyond (0: off)
    pair_rate_burst: int = 45  # "up to 45 messages in a 6-second burst", borrowed from later quota
    window_failure: str = "immediate"  # a closed 24-hour window: "immediate" 131047, or "status" (200, failed later)
    fetch_links: bool = False  # fetch media sent by link; a failed fetch becomes a failed status (131052/131053)
    link_timeout_seconds: float = 10.0
    normalize_wa_ids: bool = False  # answer Brazil's 8-digit and Mexico's 521 wa_id forms

    @classmethod
    def like_meta(cls) -> SendRules:
        """Closed windows fail later in a status, links are fetched, wa_ids are normalised."""
        return cls(window_failure="status", fetch_links=True, normalize_wa_ids=True)


@dataclass(frozen=True)
class MetaSimConfig:
    """One simulated Meta app (the Tech Provider's) and the Graph version it serves."""

    app_id: str
    app_secret: str
    config_id: str
    api_version: str = "v24.0"
    webhook_url: str | None = None  # the relay's webhook URL; signed POSTs go there
    system_user_token: str | None = (
        None  # accepted by debug_token besides the app token "{app_id}|{app_secret}"
    )
    public_url: str = "http://127.0.0.1:8001"  # this simulator's own origin (media URLs, the SDK, the popup)
    code_ttl_seconds: float = 30.0
    delivery: WebhookDelivery = field(default_factory=WebhookDelivery)
    statuses: StatusFlow = field(default_factory=StatusFlow)
    sending: SendRules = field(default_factory=SendRules)

    @property
    def app_token(self) -> str:
        """The app access token Graph accepts for app-level calls such as debug_token."""
        return f"{self.app_id}|{self.app_secret}"

    @property
    def origin(self) -> str:
        """``public_url`` without a trailing slash: the origin pages and the SDK compare against."""
        return self.public_url.rstrip("/")


def updated(block: object, changes: dict) -> object:
    """A copy of a behaviour block with ``changes`` applied, each value checked against the field's type.

    Raises ValueError naming the first unknown key or badly typed value (control endpoints answer 400)."""
    known = {f.name: f for f in fields(block)}  # type: ignore[arg-type]
    coerced: dict = {}
    for key, value in changes.items():
        if key not in known:
            raise ValueError(f"unknown setting {key!r}; known: {sorted(known)}")
        current = getattr(block, key)
        coerced[key] = _coerce(key, value, current)
    result = replace(block, **coerced)  # type: ignore[type-var]
    _check(result)
    return result


def _coerce(key: str, value: object, current: object) -> object:
    if isinstance(current, bool):
        if not isinstance(value, bool):
            raise ValueError(f"{key} must be true or false")
        return value
    if isinstance(current, tuple):
        if not isinstance(value, list | tuple) or not value or not all(_number(v) for v in value):
            raise ValueError(f"{key} must be a non-empty list of numbers")
        return tuple(float(v) for v in value)
    if isinstance(current, str):
        if not isinstance(value, str):
            raise ValueError(f"{key} must be a string")
        return value
    if isinstance(current, int) and not isinstance(current, bool):
        if not isinstance(value, int) or isinstance(value, bool):
            raise ValueError(f"{key} must be an integer")
        return value
    if value is None and key in ("read_after_seconds", "played_after_seconds"):
        return None
    if not _number(value):
        raise ValueError(f"{key} must be a number")
    return float(value)  # type: ignore[arg-type]


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _check(block: object) -> None:
    if isinstance(block, SendRules) and block.window_failure not in WINDOW_FAILURES:
        raise ValueError(f"window_failure must be one of {WINDOW_FAILURES}")
    if isinstance(block, WebhookDelivery):
        if not 1 <= block.batch_max_updates <= 1000:
            raise ValueError("batch_max_updates must be between 1 and 1000")
        if block.clock_compression <= 0:
            raise ValueError("clock_compression must be positive")
    for f in fields(block):  # type: ignore[arg-type]
        value = getattr(block, f.name)
        if _number(value) and value < 0:
            raise ValueError(f"{f.name} must not be negative")
        if f.name.endswith("probability") and value > 1:
            raise ValueError(f"{f.name} must be between 0 and 1")


@dataclass
class Rules:
    """The behaviour blocks in force; control endpoints swap a block for an updated copy."""

    delivery: WebhookDelivery
    statuses: StatusFlow
    sending: SendRules

    @classmethod
    def of(cls, config: MetaSimConfig) -> Rules:
        return cls(config.delivery, config.statuses, config.sending)

    def as_dict(self) -> dict:
        """Every knob and its value, as ``GET /_sim/meta/settings`` shows them."""
        return {name: {f.name: getattr(block, f.name) for f in fields(block)}
                for name, block in (("delivery", self.delivery), ("statuses", self.statuses),
                                    ("sending", self.sending))}  # fmt: skip
