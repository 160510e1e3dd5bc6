"""The audit log: who connected, moved or disconnected what. Details are plain, never secrets."""

from __future__ import annotations

import json
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import AuditEntry


class AuditRepository:
    def __init__(self, session: AsyncSession):
        self.session = session

    async def record(
        self, *, actor: str, action: str, team_id: str | None = None, subject: str | None = None,
        detail: dict[str, Any] | None = None,
    ) -> AuditEntry:
        entry = AuditEntry(
            actor=actor, action=action, team_id=team_id, subject=subject,
            detail=json.dumps(detail, sort_keys=True, default=str) if detail else None,
        )
        self.session.add(entry)
        await self.session.flush()
        return entry

    async def list(self, team_id: str | None = None, limit: int = 100) -> list[AuditEntry]:
        query = select(AuditEntry).order_by(col(AuditEntry.id).desc()).limit(limit)
        if team_id is not None:
            query = query.where(AuditEntry.team_id == team_id)
        return list((await self.session.exec(query)).all())
