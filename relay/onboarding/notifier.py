"""What onboarding needs from the Slack side, as a protocol, so the core never imports Bolt."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class ConnectedNumber:
    phone_number_id: str
    display_phone_number: str | None
    verified_name: str | None
    channel_id: str | None
    registration_state: str


@dataclass(frozen=True)
class ConnectionSummary:
    """What the connector is told in Slack once the claim is done."""

    waba_id: str
    account_name: str | None
    numbers: tuple[ConnectedNumber, ...]
    reconnected: bool
    warnings: tuple[str, ...] = field(default=())  # problem kinds the recruiter must know about


@dataclass(frozen=True)
class LinkAudience:
    """Whom a connect link is for, in words people recognise (None where Slack would not say)."""

    workspace_name: str | None = None
    user_name: str | None = None


class WorkspaceNotifier(Protocol):
    async def ensure_channel(
        self, team_id: str, user_id: str, display_phone_number: str | None, verified_name: str | None = None
    ) -> str | None:
        """A channel for a newly connected number's conversations, named after the business and with
        ``user_id`` invited (None if Slack would not give one)."""
        ...

    async def announce_connection(self, team_id: str, user_id: str, summary: ConnectionSummary) -> None:
        """DM the connector: connected, where conversations go, add a payment method."""
        ...

    async def refresh_home(self, team_id: str) -> None:
        """Re-publish the Home tab for every user of the workspace who has opened it."""
        ...

    async def describe_audience(self, team_id: str, user_id: str) -> LinkAudience:
        """The workspace's and the person's names, for the connect page to say whom the link is for."""
        ...

    async def channel_name(self, team_id: str, channel_id: str) -> str | None:
        """A channel's current name (names change; ids are what we store)."""
        ...


class SilentNotifier:
    """Used when no Slack side is attached (CLI tools, unit tests of the core)."""

    async def ensure_channel(
        self, team_id: str, user_id: str, display_phone_number: str | None, verified_name: str | None = None
    ) -> str | None:
        return None

    async def announce_connection(self, team_id: str, user_id: str, summary: ConnectionSummary) -> None:
        return None

    async def refresh_home(self, team_id: str) -> None:
        return None

    async def describe_audience(self, team_id: str, user_id: str) -> LinkAudience:
        return LinkAudience()

    async def channel_name(self, team_id: str, channel_id: str) -> str | None:
        return None
