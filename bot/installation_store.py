"""Bolt's installation and OAuth-state stores, kept in our database: bot tokens encrypted, states shared by
every instance. Bot-only: waslack asks for no user tokens.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.installation_store.models.bot import Bot
from slack_sdk.oauth.installation_store.models.installation import Installation
from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore

from relay.services import Services
from storage.models import SlackInstallation
from storage.repositories import InstallationRepository, OAuthStateRepository, TenantRepository

log = logging.getLogger("waslack.slack")

OAUTH_STATE_TTL = timedelta(minutes=10)


class StorageInstallationStore(AsyncInstallationStore):
    """One live installation per workspace in ``slack_installations``; a re-install replaces it."""

    def __init__(self, services: Services):
        self.services = services

    @property
    def logger(self) -> logging.Logger:
        return log

    async def async_save(self, installation: Installation) -> None:
        if not installation.team_id or not installation.bot_token:
            # org-wide installs and user-token-only installs are not something waslack asks for
            log.warning("ignoring an installation without a workspace or bot token")
            return
        async with self.services.database.session() as session:
            await TenantRepository(session).get_or_create(installation.team_id, installation.team_name)
            await InstallationRepository(session, self.services.cipher).save(
                team_id=installation.team_id,
                bot_token=installation.bot_token,
                team_name=installation.team_name,
                enterprise_id=installation.enterprise_id,
                app_id=installation.app_id,
                bot_id=installation.bot_id,
                bot_user_id=installation.bot_user_id,
                bot_scopes=",".join(installation.bot_scopes or []),
                installer_user_id=installation.user_id,
            )
            await session.commit()
        self.services.installations.forget(installation.team_id)
        log.info("installed in workspace %s", installation.team_id)

    async def async_save_bot(self, bot: Bot) -> None:
        if not bot.team_id:
            return
        async with self.services.database.session() as session:
            installations = InstallationRepository(session, self.services.cipher)
            previous = await installations.find_any(bot.team_id)
            await installations.save(
                team_id=bot.team_id,
                bot_token=bot.bot_token,
                team_name=bot.team_name,
                enterprise_id=bot.enterprise_id,
                app_id=bot.app_id,
                bot_id=bot.bot_id,
                bot_user_id=bot.bot_user_id,
                bot_scopes=",".join(bot.bot_scopes or []),
                installer_user_id=previous.installer_user_id if previous else None,
            )
            await session.commit()
        self.services.installations.forget(bot.team_id)

    async def _live(self, team_id: str | None) -> tuple[SlackInstallation, str] | None:
        return await self.services.installations.find(team_id) if team_id else None

    async def async_find_bot(
        self, *, enterprise_id: str | None, team_id: str | None, is_enterprise_install: bool | None = False
    ) -> Bot | None:
        found = await self._live(team_id)
        if found is None:
            return None
        row, token = found
        return Bot(
            app_id=row.app_id,
            enterprise_id=row.enterprise_id,
            team_id=row.team_id,
            team_name=row.team_name,
            bot_token=token,
            bot_id=row.bot_id or "",
            bot_user_id=row.bot_user_id or "",
            bot_scopes=row.bot_scopes,
            installed_at=row.installed_at.timestamp(),
        )

    async def async_find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        if user_id is not None:
            return None  # no per-user installations: waslack holds bot tokens only
        found = await self._live(team_id)
        if found is None:
            return None
        row, token = found
        return Installation(
            app_id=row.app_id,
            enterprise_id=row.enterprise_id,
            team_id=row.team_id,
            team_name=row.team_name,
            bot_token=token,
            bot_id=row.bot_id,
            bot_user_id=row.bot_user_id,
            bot_scopes=row.bot_scopes,
            user_id=row.installer_user_id or "",
            installed_at=row.installed_at.timestamp(),
        )

    async def async_delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        if not team_id:
            return
        async with self.services.database.session() as session:
            await InstallationRepository(session, self.services.cipher).revoke(team_id)
            await session.commit()
        self.services.installations.forget(team_id)

    async def async_delete_installation(
        self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None
    ) -> None:
        if user_id is None:
            await self.async_delete_bot(enterprise_id=enterprise_id, team_id=team_id)


class StorageOAuthStateStore(AsyncOAuthStateStore):
    """OAuth ``state`` values in ``slack_oauth_states``: single use, ten minutes."""

    def __init__(self, services: Services, ttl: timedelta = OAUTH_STATE_TTL):
        self.services = services
        self.ttl = ttl

    @property
    def logger(self) -> logging.Logger:
        return log

    async def async_issue(self, *args: object, **kwargs: object) -> str:
        async with self.services.database.session() as session:
            state = await OAuthStateRepository(session).issue(self.ttl)
            await session.commit()
        return state

    async def async_consume(self, state: str) -> bool:
        async with self.services.database.session() as session:
            won = await OAuthStateRepository(session).consume(state)
            await session.commit()
        return won
