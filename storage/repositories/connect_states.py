"""Connect states: the single-use, short-lived record behind each Connect link."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import ConnectState, utcnow


class ConnectStateRepository:
    def __init__(self, session: AsyncSession):
        self.session = session

    async def create(self, team_id: str, user_id: str, ttl: timedelta, now: datetime | None = None) -> ConnectState:
        now = now or utcnow()
        state = ConnectState(
            nonce=secrets.token_urlsafe(24), team_id=team_id, user_id=user_id, created_at=now, expires_at=now + ttl
        )
        self.session.add(state)
        await self.session.flush()
        return state

    async def get(self, nonce: str) -> ConnectState | None:
        return (await self.session.exec(select(ConnectState).where(ConnectState.nonce == nonce))).first()

    async def mark_opened(self, nonce: str, now: datetime | None = None) -> None:
        """Remember when the connect page was first shown (only while the link is still valid)."""
        now = now or utcnow()
        await self.session.exec(  # type: ignore[call-overload]
            update(ConnectState)
            .where(col(ConnectState.nonce) == nonce, col(ConnectState.opened_at).is_(None))
            .where(col(ConnectState.used_at).is_(None), col(ConnectState.expires_at) > now)
            .values(opened_at=now)
        )

    async def consume(self, nonce: str, now: datetime | None = None, grace: timedelta = timedelta(0)) -> bool:
        """Mark the state used; True only for the one caller that got it unused and unexpired (atomic).

        A link whose page was opened before it expired stays good for ``grace`` longer, so a signup that
        started in time is not lost in Meta's window."""
        now = now or utcnow()
        in_time = col(ConnectState.expires_at) > now
        if grace:
            in_time = or_(in_time, and_(col(ConnectState.opened_at).is_not(None),
                                        col(ConnectState.expires_at) > now - grace))
        result = await self.session.exec(  # type: ignore[call-overload]
            update(ConnectState)
            .where(col(ConnectState.nonce) == nonce, col(ConnectState.used_at).is_(None))
            .where(in_time)
            .values(used_at=now)
        )
        return bool(result.rowcount == 1)

    async def finish(self, nonce: str, *, outcome: str, account_id: int | None = None) -> None:
        state = await self.get(nonce)
        if state is not None:
            state.outcome = outcome
            state.account_id = account_id
            self.session.add(state)
            await self.session.flush()

    async def purge_expired(self, before: datetime) -> int:
        from sqlalchemy import delete

        result = await self.session.exec(  # type: ignore[call-overload]
            delete(ConnectState).where(col(ConnectState.expires_at) < before)
        )
        return int(result.rowcount or 0)
