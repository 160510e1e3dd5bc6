"""Tenants: one per Slack workspace."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Tenant


class TenantRepository:
    def __init__(self, session: AsyncSession):
        self.session = session

    async def get(self, team_id: str) -> Tenant | None:
        result = await self.session.exec(select(Tenant).where(Tenant.slack_team_id == team_id))
        return result.first()

    async def get_or_create(self, team_id: str, name: str | None = None) -> Tenant:
        """The workspace's tenant, created on first sight (safe when two instances race)."""
        tenant = await self.get(team_id)
        if tenant is None:
            try:
                async with self.session.begin_nested():
                    tenant = Tenant(slack_team_id=team_id, name=name)
                    self.session.add(tenant)
            except IntegrityError:
                tenant = await self.get(team_id)
                assert tenant is not None
        if name and tenant.name != name:
            tenant.name = name
            self.session.add(tenant)
        await self.session.flush()
        return tenant
