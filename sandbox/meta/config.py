"""The simulator's typed configuration: which Meta app it pretends to be and where it delivers webhooks."""

from __future__ import annotations

from dataclasses import dataclass


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

    @property
    def app_token(self) -> str:
        """The app access token Graph accepts for app-level calls such as debug_token."""
        return f"{self.app_id}|{self.app_secret}"

    @property
    def origin(self) -> str:
        """``public_url`` without a trailing slash: the origin pages and the SDK compare against."""
        return self.public_url.rstrip("/")
