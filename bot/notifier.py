"""The Slack side of onboarding (relay.onboarding.notifier.WorkspaceNotifier): a channel for a new number,
the DM to the person who connected it, and fresh Home tabs when a number changes.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk.errors import SlackApiError

from bot import wording
from bot.channels import create_number_channel
from bot.clients import SlackClients
from bot.home import escape
from bot.permissions import WorkspaceRoles
from bot.publisher import HomePublisher
from relay.onboarding.notifier import ConnectionSummary, LinkAudience, WorkspaceNotifier
from relay.services import Services
from storage.repositories import InstallationRepository, TenantRepository

log = logging.getLogger("waslack.slack")


def connection_message(summary: ConnectionSummary) -> dict[str, Any]:
    """``text`` and ``blocks`` of the DM sent once a claim is done."""
    lines = [
        wording.connected_number_line(
            wording.number_title(
                escape(n.display_phone_number or n.phone_number_id),
                escape(n.verified_name) if n.verified_name else None,
            ),
            n.channel_id,
        )
        for n in summary.numbers
    ]
    count = max(len(summary.numbers), 1)
    sections = [wording.connected_headline(count, summary.reconnected), "\n".join(lines)]
    # only what applies: the payment reminder appears when Meta says the payment method is missing
    sections += [wording.WARNINGS[w] for w in summary.warnings if w in wording.WARNINGS]
    return {
        "text": wording.connected_fallback(count, summary.reconnected),
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": s[:3000]}} for s in sections if s],
    }


class SlackNotifier(WorkspaceNotifier):
    def __init__(self, services: Services, clients: SlackClients):
        self.services = services
        self.clients = clients
        self.publisher = HomePublisher(services, clients, WorkspaceRoles())

    async def ensure_channel(
        self, team_id: str, user_id: str, display_phone_number: str | None, verified_name: str | None = None
    ) -> str | None:
        client = await self.clients.for_team(team_id)
        if client is None:
            return None
        return await create_number_channel(
            client,
            verified_name=verified_name,
            display_phone_number=display_phone_number,
            invite_user_id=user_id or None,
            private=self.services.settings.SLACK_CHANNEL_VISIBILITY == "private",
        )

    async def announce_connection(self, team_id: str, user_id: str, summary: ConnectionSummary) -> None:
        client = await self.clients.for_team(team_id)
        if client is None:
            return
        try:
            # posting to a user id opens (or reuses) the app's DM with that person
            await client.chat_postMessage(channel=user_id, **connection_message(summary))
        except SlackApiError as exc:
            log.warning("DM to %s in %s failed: %s", user_id, team_id, exc.response.get("error"))

    async def refresh_home(self, team_id: str) -> None:
        await self.publisher.publish_for_viewers(team_id)

    async def describe_audience(self, team_id: str, user_id: str) -> LinkAudience:
        """Workspace name from the installation (else auth.test), the person's from users.info."""
        async with self.services.database.session() as session:
            installation = await InstallationRepository(session, self.services.cipher).find(team_id)
            tenant = await TenantRepository(session).get(team_id)
        workspace = (installation.team_name if installation else None) or (tenant.name if tenant else None)
        client = await self.clients.for_team(team_id)
        if client is None:
            return LinkAudience(workspace, None)
        person = None
        try:
            if workspace is None:
                workspace = (await client.auth_test()).get("team")
            user = (await client.users_info(user=user_id)).get("user") or {}
            profile = user.get("profile") or {}
            person = profile.get("display_name") or profile.get("real_name") or user.get("real_name")
        except SlackApiError as exc:
            log.info("describing %s in %s failed: %s", user_id, team_id, exc.response.get("error"))
        return LinkAudience(workspace or None, person or None)

    async def channel_name(self, team_id: str, channel_id: str) -> str | None:
        client = await self.clients.for_team(team_id)
        if client is None:
            return None
        try:
            info = await client.conversations_info(channel=channel_id)
        except SlackApiError as exc:
            log.info("conversations.info %s failed: %s", channel_id, exc.response.get("error"))
            return None
        return (info.get("channel") or {}).get("name") or None
