"""Bolt listeners: each translates a Slack payload into a call to the core, then publishes the result."""

from __future__ import annotations

from dataclasses import dataclass

from bot.clients import SlackClients
from bot.permissions import WorkspaceRoles
from bot.publisher import HomePublisher
from relay.services import Services


@dataclass(frozen=True)
class BotParts:
    """What every listener module receives when it registers."""

    services: Services
    clients: SlackClients
    roles: WorkspaceRoles
    publisher: HomePublisher
