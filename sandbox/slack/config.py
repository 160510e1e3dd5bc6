"""The Slack simulator's configuration: one frozen object handed to the factory."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SlackSimConfig:
    """How the simulator reaches the relay and what it calls itself."""

    signing_secret: str
    relay_events_url: str | None = None  # where /_sim/slack/event delivers signed requests
    public_url: str = "http://127.0.0.1:8002"  # this simulator's origin (file URLs, upload URLs, OAuth pages)
    client_id: str = "1111.2222"  # for the OAuth install flow
    client_secret: str = "sim-client-secret"
    # Redirect URLs "in the app settings": when set, OAuth redirect_uri must match one (or sit below it)
    redirect_urls: tuple[str, ...] = ()
    # How long the simulator waits for the relay before it reports a timeout (Slack itself gives up after 3 s)
    delivery_timeout_seconds: float = 10.0

    def __post_init__(self) -> None:
        if not self.signing_secret:
            raise ValueError("SlackSimConfig.signing_secret must not be empty")
