"""Slack OAuth states: the one-time value /slack/install hands out and /slack/oauth_redirect takes back."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import SlackOAuthState, utcnow


class OAuthStateRepository:
    def __init__(self, session: AsyncSession):
        self.session = session

    async def issue(self, ttl: timedelta, now: datetime | None = None) -> str:
        """A fresh random state that is valid for ``ttl``."""
        state = SlackOAuthState(state=secrets.token_urlsafe(32), expires_at=(now or utcnow()) + ttl)
        self.session.add(state)
        await self.session.flush()
        return state.state

    async def consume(self, state: str, now: datetime | None = None) -> bool:
        """Delete the state; True only for the one caller that found it unexpired (atomic)."""
        if not state or len(state) > 64:
            return False
        result = await self.session.exec(  # type: ignore[call-overload]
            delete(SlackOAuthState).where(
                col(SlackOAuthState.state) == state, col(SlackOAuthState.expires_at) > (now or utcnow())
            )
        )
        return bool(result.rowcount == 1)

    async def purge_expired(self, before: datetime | None = None) -> int:
        result = await self.session.exec(  # type: ignore[call-overload]
            delete(SlackOAuthState).where(col(SlackOAuthState.expires_at) <= (before or utcnow()))
        )
        return int(result.rowcount or 0)
