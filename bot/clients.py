"""The one way waslack reaches Slack's Web API: per-workspace AsyncWebClients over one shared aiohttp session.

Every client points at ``settings.SLACK_API_URL`` (the simulator in the sandbox), retries 429s after
Retry-After (up to three times) and dropped connections, and carries the workspace's bot token: from the
encrypted installation in OAuth mode, or ``SLACK_BOT_TOKEN`` in single-workspace mode.
"""

from __future__ import annotations

import asyncio

import aiohttp
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from relay import activity
from relay.activity import slack_activity_trace
from relay.services import Services

SLACK_TIMEOUT_SECONDS = 10
RATE_LIMIT_RETRIES = 3


def retry_handlers() -> list[AsyncRetryHandler]:
    return [
        AsyncConnectionErrorRetryHandler(max_retry_count=1),
        AsyncRateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES),
    ]


class SlackClients:
    """Hands out an AsyncWebClient per workspace; owns the aiohttp session they share."""

    def __init__(self, services: Services):
        self.services = services
        settings = services.settings
        self.base_url = settings.SLACK_API_URL
        self.single_token = settings.SLACK_BOT_TOKEN.get_secret_value() if settings.SLACK_BOT_TOKEN else None
        self._session: aiohttp.ClientSession | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def session(self) -> aiohttp.ClientSession:
        """The shared session, created on first use inside the running loop (never at import time)."""
        loop = asyncio.get_running_loop()
        if self._session is None or self._session.closed or self._loop is not loop:
            traces = [slack_activity_trace()] if activity.enabled() else None  # the activity lines' only cost
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=SLACK_TIMEOUT_SECONDS),
                                                  trace_configs=traces)
            self._loop = loop
        return self._session

    def client(self, token: str | None, *, retries: bool = True) -> AsyncWebClient:
        """A client with ``token``; inside a running loop it uses the shared session. ``retries=False`` is for
        the outbox, which retries by itself and must never re-send blindly after a dropped connection."""
        try:
            session: aiohttp.ClientSession | None = self.session()
        except RuntimeError:  # no running loop: Bolt's app client is built at start-up
            session = None
        return AsyncWebClient(
            token=token,
            base_url=self.base_url,
            session=session,
            timeout=SLACK_TIMEOUT_SECONDS,
            retry_handlers=retry_handlers() if retries else [],
        )

    async def token_for(self, team_id: str) -> str | None:
        """The workspace's bot token, or None when the app is not (or no longer) installed there."""
        if self.single_token is not None:
            return self.single_token
        found = await self.services.installations.find(team_id)
        return found[1] if found else None

    async def for_team(self, team_id: str, *, retries: bool = True) -> AsyncWebClient | None:
        """A client for the workspace, or None when we hold no token for it (uninstalled: stop relaying)."""
        token = await self.token_for(team_id)
        return self.client(token, retries=retries) if token else None

    async def aclose(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None
