"""Slack installations: one row per workspace, the bot token encrypted at rest."""

from __future__ import annotations

import time
from datetime import datetime

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.cipher import TokenCipher
from storage.models import SlackInstallation, utcnow


class InstallationRepository:
    def __init__(self, session: AsyncSession, cipher: TokenCipher):
        self.session = session
        self.cipher = cipher

    async def save(
        self, *, team_id: str, bot_token: str, team_name: str | None = None, enterprise_id: str | None = None,
        app_id: str | None = None, bot_id: str | None = None, bot_user_id: str | None = None,
        bot_scopes: str = "", installer_user_id: str | None = None, installed_at: datetime | None = None,
    ) -> SlackInstallation:
        """Insert or replace the workspace's installation (a re-install updates in place)."""
        row = (await self.session.exec(select(SlackInstallation).where(SlackInstallation.team_id == team_id))).first()
        if row is None:
            row = SlackInstallation(team_id=team_id)
        row.team_name = team_name
        row.enterprise_id = enterprise_id
        row.app_id = app_id
        row.bot_id = bot_id
        row.bot_user_id = bot_user_id
        row.bot_scopes = bot_scopes
        row.bot_token_encrypted = self.cipher.encrypt(bot_token)
        row.installer_user_id = installer_user_id
        row.installed_at = installed_at or utcnow()
        row.revoked_at = None
        self.session.add(row)
        await self.session.flush()
        return row

    async def find(self, team_id: str) -> SlackInstallation | None:
        """The workspace's live installation, or None when absent or revoked."""
        query = select(SlackInstallation).where(
            SlackInstallation.team_id == team_id, col(SlackInstallation.revoked_at).is_(None)
        )
        return (await self.session.exec(query)).first()

    async def find_any(self, team_id: str) -> SlackInstallation | None:
        query = select(SlackInstallation).where(SlackInstallation.team_id == team_id)
        return (await self.session.exec(query)).first()

    def bot_token(self, installation: SlackInstallation) -> str | None:
        if installation.bot_token_encrypted is None:
            return None
        return self.cipher.decrypt(installation.bot_token_encrypted)

    async def revoke(self, team_id: str, at: datetime | None = None) -> bool:
        """Forget the workspace's token (app_uninstalled / tokens_revoked). True only for the one caller that
        revoked a live installation, even when two events race on two instances."""
        result = await self.session.exec(  # type: ignore[call-overload]
            update(SlackInstallation)
            .where(col(SlackInstallation.team_id) == team_id, col(SlackInstallation.revoked_at).is_(None))
            .values(bot_token_encrypted=None, revoked_at=at or utcnow())
        )
        return bool(result.rowcount == 1)

    async def list_active(self) -> list[SlackInstallation]:
        query = select(SlackInstallation).where(col(SlackInstallation.revoked_at).is_(None))
        return list((await self.session.exec(query)).all())


class LiveInstallations:
    """Each workspace's live installation and its decrypted bot token, read at most every ``ttl`` seconds.

    Every Slack event (Bolt's authorize) and every Slack write looks the token up; read and decrypted each time,
    it cost a query and a Fernet decryption per call. An installation saved or revoked in this process is
    forgotten at once; another instance's revocation is seen within ``ttl`` (meanwhile Slack answers
    ``invalid_auth``, which the callers handle). A workspace without a live installation is looked up again
    every time, so a reinstall is seen at once."""

    def __init__(self, database, cipher: TokenCipher, *, ttl: float = 10.0,  # type: ignore[no-untyped-def]
                 clock=time.monotonic):
        self.database, self.cipher, self.ttl, self.clock = database, cipher, ttl, clock
        self._found: dict[str, tuple[float, SlackInstallation, str]] = {}
        self._generation = 0

    async def find(self, team_id: str) -> tuple[SlackInstallation, str] | None:
        """The live installation and its bot token, or None when the app is not installed there."""
        cached = self._found.get(team_id)
        now = self.clock()
        if cached is not None and now - cached[0] < self.ttl:
            return cached[1], cached[2]
        generation = self._generation
        async with self.database.session() as session:
            installations = InstallationRepository(session, self.cipher)
            row = await installations.find(team_id)
            token = installations.bot_token(row) if row is not None else None
        if row is None or not token:
            self._found.pop(team_id, None)
            return None
        if generation == self._generation:  # not forgotten while we read: an older read must not come back
            self._found[team_id] = (now, row, token)
        return row, token

    def forget(self, team_id: str | None = None) -> None:
        self._generation += 1
        if team_id is None:
            self._found.clear()
        else:
            self._found.pop(team_id, None)
