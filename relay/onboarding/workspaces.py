"""The Slack workspaces connect links are for: whether the app is still live in one, and what it is called."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from storage.cipher import TokenCipher
from storage.database import Database
from storage.repositories import InstallationRepository, TenantRepository


class Workspaces:
    """Live means installed: a slack_installations row that is not revoked and holds a bot token.

    In single-workspace mode (SLACK_BOT_TOKEN) there is no installation row: the one workspace whose signed
    events reach us is the configured one and counts as live; when it removes the app its links are deleted
    (relay/onboarding/manage.py), which is what stops them there."""

    def __init__(self, database: Database, cipher: TokenCipher, *, single_workspace: bool):
        self.database = database
        self.cipher = cipher
        self.single_workspace = single_workspace

    async def is_live(self, team_id: str, session: AsyncSession | None = None) -> bool:
        """Whether the app is installed in ``team_id`` now (read in ``session`` when given)."""
        if self.single_workspace:
            return True
        if session is None:
            async with self.database.session() as own:
                return await self.is_live(team_id, own)
        installation = await InstallationRepository(session, self.cipher).find(team_id)
        return installation is not None and installation.bot_token_encrypted is not None

    async def workspace_name(self, team_id: str) -> str | None:
        """The workspace's name as Slack gave it at install time (for "Connecting to <name>"), if known."""
        async with self.database.session() as session:
            tenant = await TenantRepository(session).get(team_id)
            installation = await InstallationRepository(session, self.cipher).find_any(team_id)
        return (tenant.name if tenant else None) or (installation.team_name if installation else None)

