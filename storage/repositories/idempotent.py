"""Insert-once: an INSERT that a unique constraint turns into a no-op, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession


async def insert_once(session: AsyncSession, model: type[SQLModel], values: dict[str, Any],
                      conflict_columns: Sequence[str]) -> int | None:
    """Insert ``values``; the new row's primary key, or None when a row with the same ``conflict_columns``
    exists already (the duplicate changes nothing)."""
    dialect = postgresql if session.bind.dialect.name == "postgresql" else sqlite
    table = model.__table__  # type: ignore[attr-defined]
    key = next(iter(table.primary_key.columns))
    statement = (dialect.insert(table).values(**values)
                 .on_conflict_do_nothing(index_elements=list(conflict_columns)).returning(key))
    row = (await session.execute(statement)).first()
    return None if row is None else row[0]
