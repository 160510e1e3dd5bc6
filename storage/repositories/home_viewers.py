"""Who opened the Home tab, so a state change can re-publish it for exactly those users."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import HomeTabViewer, utcnow


class HomeViewerRepository:
    def __init__(self, session: AsyncSession):
        self.session = session

    async def remember(self, team_id: str, user_id: str) -> None:
        query = select(HomeTabViewer).where(HomeTabViewer.team_id == team_id, HomeTabViewer.user_id == user_id)
        row = (await self.session.exec(query)).first()
        if row is None:
            try:
                async with self.session.begin_nested():
                    self.session.add(HomeTabViewer(team_id=team_id, user_id=user_id))
            except IntegrityError:
                pass  # another instance recorded the same open
            return
        row.opened_at = utcnow()
        self.session.add(row)
        await self.session.flush()

    async def list(self, team_id: str) -> list[str]:
        query = select(HomeTabViewer.user_id).where(HomeTabViewer.team_id == team_id).order_by(HomeTabViewer.id)
        return list((await self.session.exec(query)).all())
