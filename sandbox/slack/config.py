"""The Slack simulator's configuration: one frozen object handed to the factory, and how Slack-like it behaves."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Realism:
    """How the simulator behaves over time, like Slack by default; README.md documents every knob.

    ``POST /_sim/slack/settings`` replaces it at run time; ``Realism.off()`` is the benchmark setting."""

    rate_limits: bool = True  # 429 + Retry-After at Slack's rates
    tiers: bool = True  # Tier 1-4 limits per method per workspace (besides chat.postMessage's own)
    posts_per_second: float = 1.0  # chat.postMessage per channel ...
    post_burst: int = 3  # ... with short bursts of this many
    posts_per_minute: int = 300  # chat.postMessage per workspace ("several hundred per minute")
    marketplace_app: bool = True  # False: conversations.history/replies at Tier 1 with 15 messages a page
    max_text_chars: int | None = 4000  # msg_too_long above; None: Slack's documented 40,000 truncation
    max_blocks_chars: int = 13_000  # msg_blocks_too_long when a message's blocks hold more text
    bot_events: tuple[str, ...] = ()  # the app's event subscriptions (manifest bot_events)
    retry_events: bool = True  # failed event deliveries are retried, byte-identical
    retry_delays_seconds: tuple[float, ...] = (0.0, 60.0, 300.0)  # Slack: at once, after 1 and 5 min
    ack_seconds: float = 3.0  # an answer later than this is a failed delivery / a modal error
    file_share_delay_seconds: float = 1.0  # an upload's share message and events come this much later
    time_scale: float = 1.0  # multiplies every simulated wait above (0.01: a hundred times faster)

    @classmethod
    def off(cls, **changes: Any) -> Realism:
        """Lenient and instant, for benchmarks: no rate limits, no retries, shares at once."""
        return cls(rate_limits=False, retry_events=False, file_share_delay_seconds=0.0, **changes)

    def changed(self, body: dict[str, Any]) -> Realism:
        """A copy with the JSON fields in ``body`` replaced; raises ValueError naming a bad field."""
        known = {f.name: f for f in dataclasses.fields(self)}
        changes: dict[str, Any] = {}
        for name, value in body.items():
            if name not in known:
                raise ValueError(f"unknown setting {name!r}; known: {', '.join(known)}")
            current = getattr(self, name)
            try:
                changes[name] = _coerce(current, value, name)
            except (TypeError, ValueError) as exc:
                raise ValueError(f"{name}: {exc}") from None
        updated = dataclasses.replace(self, **changes)
        updated.validate()
        return updated

    def validate(self) -> None:
        if self.posts_per_second <= 0 or self.post_burst < 1 or self.posts_per_minute < 1:
            raise ValueError("posts_per_second must be > 0, post_burst and posts_per_minute >= 1")
        if self.max_text_chars is not None and self.max_text_chars < 1:
            raise ValueError("max_text_chars must be >= 1 (or null for Slack's 40,000 truncation)")
        if self.time_scale <= 0 or self.ack_seconds <= 0:
            raise ValueError("time_scale and ack_seconds must be > 0")
        if any(d < 0 for d in self.retry_delays_seconds) or self.file_share_delay_seconds < 0:
            raise ValueError("delays must be >= 0")

    def seconds(self, simulated: float) -> float:
        """A simulated duration in real seconds (``time_scale`` compresses it)."""
        return simulated * self.time_scale

    def to_json(self) -> dict[str, Any]:
        return {f.name: _jsonable(getattr(self, f.name)) for f in dataclasses.fields(self)}


def _coerce(current: Any, value: Any, name: str) -> Any:
    if isinstance(current, bool):
        if not isinstance(value, bool):
            raise TypeError("must be true or false")
        return value
    if isinstance(current, tuple):
        if not isinstance(value, list):
            raise TypeError("must be a list")
        kind = float if name == "retry_delays_seconds" else str
        return tuple(kind(v) for v in value)
    if name == "max_text_chars":
        return None if value is None else int(value)
    if isinstance(current, int):
        return int(value)
    return float(value)


def _jsonable(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


@dataclass(frozen=True)
class SlackSimConfig:
    """How the simulator reaches the relay, what it calls itself, and how Slack-like it starts out."""

    signing_secret: str
    relay_events_url: str | None = None  # the app's Request URL: events, commands, interactivity
    public_url: str = "http://127.0.0.1:8002"  # this simulator's origin (file URLs, upload URLs, OAuth pages)
    client_id: str = "1111.2222"  # for the OAuth install flow
    client_secret: str = "sim-client-secret"
    # Redirect URLs "in the app settings": when set, OAuth redirect_uri must match one (or sit below it)
    redirect_urls: tuple[str, ...] = ()
    # How long the simulator waits for a slow answer before it gives up on it (Slack retries after 3 s)
    delivery_timeout_seconds: float = 10.0
    realism: Realism = field(default_factory=Realism)

    def __post_init__(self) -> None:
        if not self.signing_secret:
            raise ValueError("SlackSimConfig.signing_secret must not be empty")
        self.realism.validate()
