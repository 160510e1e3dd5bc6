"""Connect states: the single-use, short-lived record behind each Connect link, and the chain of retry links
that may follow a failed attempt."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, func, or_, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import ConnectState, utcnow

# The outcome a link carries while one /connect/choose call is connecting the chosen number.
CHOOSING = "choosing"


def chain_start():  # type: ignore[no-untyped-def]
    """SQL: when the link's chain began (rows from before lineage was recorded count from themselves)."""
    return func.coalesce(col(ConnectState.root_created_at), col(ConnectState.created_at))


class ConnectStateRepository:
    def __init__(self, session: AsyncSession):
        self.session = session

    async def create(self, team_id: str, user_id: str, ttl: timedelta, now: datetime | None = None, *,
                     parent: ConnectState | None = None, lifetime: timedelta | None = None) -> ConnectState:
        """A new link; with ``parent``, a retry link in the parent's chain (same root time, one more retry),
        never outliving ``lifetime`` from the chain's root."""
        now = now or utcnow()
        root = (parent.root_created_at or parent.created_at) if parent is not None else now
        expires_at = now + ttl
        if lifetime is not None:
            expires_at = min(expires_at, root + lifetime)
        state = ConnectState(
            nonce=secrets.token_urlsafe(24), team_id=team_id, user_id=user_id, created_at=now,
            root_created_at=root, retry_count=parent.retry_count + 1 if parent is not None else 0,
            expires_at=expires_at,
        )
        self.session.add(state)
        await self.session.flush()
        return state

    async def get(self, nonce: str, *, for_update: bool = False) -> ConnectState | None:
        """The state behind ``nonce``; ``for_update`` locks its row until the transaction ends (PostgreSQL)."""
        query = select(ConnectState).where(ConnectState.nonce == nonce)
        if for_update:
            query = query.with_for_update()
        return (await self.session.exec(query)).first()

    async def chain_size(self, state: ConnectState) -> int:
        """How many links share ``state``'s chain (its root and every retry link issued from it)."""
        query = select(func.count()).select_from(ConnectState).where(
            ConnectState.team_id == state.team_id, ConnectState.user_id == state.user_id,
            chain_start() == (state.root_created_at or state.created_at),
        )
        return int((await self.session.exec(query)).one())

    async def mark_opened(self, nonce: str, now: datetime | None = None) -> None:
        """Remember when the connect page was first shown (only while the link is still valid)."""
        now = now or utcnow()
        await self.session.exec(  # type: ignore[call-overload]
            update(ConnectState)
            .where(col(ConnectState.nonce) == nonce, col(ConnectState.opened_at).is_(None))
            .where(col(ConnectState.used_at).is_(None), col(ConnectState.expires_at) > now)
            .values(opened_at=now)
        )

    async def consume(self, nonce: str, now: datetime | None = None, grace: timedelta = timedelta(0),
                      lifetime: timedelta | None = None) -> bool:
        """Mark the state used; True only for the one caller that got it unused and unexpired (atomic).

        A link whose page was opened before it expired stays good for ``grace`` longer, so a signup that
        started in time is not lost in Meta's window; no link of a chain outlives ``lifetime`` from its root."""
        now = now or utcnow()
        in_time = col(ConnectState.expires_at) > now
        if grace:
            in_time = or_(in_time, and_(col(ConnectState.opened_at).is_not(None),
                                        col(ConnectState.expires_at) > now - grace))
        query = (
            update(ConnectState)
            .where(col(ConnectState.nonce) == nonce, col(ConnectState.used_at).is_(None))
            .where(in_time)
            .values(used_at=now)
        )
        if lifetime is not None:
            query = query.where(chain_start() > now - lifetime)
        result = await self.session.exec(query)  # type: ignore[call-overload]
        return bool(result.rowcount == 1)

    async def start_choice(self, nonce: str, *, used_after: datetime) -> bool:
        """Take the link's one number choice; True only for the one caller that found it waiting for a choice
        (used after ``used_after``), however many ask at once."""
        result = await self.session.exec(  # type: ignore[call-overload]
            update(ConnectState)
            .where(col(ConnectState.nonce) == nonce, col(ConnectState.outcome) == "choose_number")
            .where(col(ConnectState.used_at) > used_after)
            .values(outcome=CHOOSING)
        )
        return bool(result.rowcount == 1)

    async def finish(self, nonce: str, *, outcome: str, account_id: int | None = None) -> None:
        state = await self.get(nonce)
        if state is not None:
            state.outcome = outcome
            state.account_id = account_id
            self.session.add(state)
            await self.session.flush()

    async def delete_for_team(self, team_id: str) -> int:
        """Forget every link of a workspace (the app was removed from it): none of them may open or claim."""
        result = await self.session.exec(  # type: ignore[call-overload]
            delete(ConnectState).where(col(ConnectState.team_id) == team_id)
        )
        return int(result.rowcount or 0)

    async def purge_expired(self, before: datetime) -> int:
        result = await self.session.exec(  # type: ignore[call-overload]
            delete(ConnectState).where(col(ConnectState.expires_at) < before)
        )
        return int(result.rowcount or 0)
