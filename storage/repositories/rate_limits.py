"""Rate-limit windows: hits per (bucket, window start), counted with one atomic upsert so every instance
sharing the database shares the count."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import RateLimitWindow

# Both dialects spell the upsert the same way (SQLite ≥ 3.35 for RETURNING).
UPSERTS: dict[str, Callable[..., Any]] = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


class RateLimitRepository:
    def __init__(self, session: AsyncSession):
        self.session = session

    async def count_hit(self, bucket: str, window_start: datetime) -> int:
        """Add one hit to the window and return its hits, including this one (atomic across instances)."""
        assert self.session.bind is not None
        table = RateLimitWindow.__table__  # type: ignore[attr-defined]
        insert = UPSERTS[self.session.bind.dialect.name](table)
        statement = (
            insert.values(bucket=bucket, window_start=window_start, hits=1)
            .on_conflict_do_update(index_elements=[table.c.bucket, table.c.window_start],
                                   set_={"hits": table.c.hits + 1})
            .returning(table.c.hits)
        )
        result = await self.session.exec(statement)  # type: ignore[call-overload]
        return int(result.scalar_one())

    async def hits(self, bucket: str, window_start: datetime) -> int:
        """The hits counted in one window (0 when nobody came)."""
        query = select(RateLimitWindow.hits).where(
            col(RateLimitWindow.bucket) == bucket, col(RateLimitWindow.window_start) == window_start
        )
        return int((await self.session.exec(query)).first() or 0)

    async def purge_before(self, before: datetime) -> int:
        """Delete windows that started before ``before``; safe to run from every instance at once."""
        result = await self.session.exec(  # type: ignore[call-overload]
            delete(RateLimitWindow).where(col(RateLimitWindow.window_start) < before)
        )
        return int(result.rowcount or 0)
