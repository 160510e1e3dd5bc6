"""Insert-once: an INSERT that a unique constraint turns into a no-op, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.dml import Insert
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

# One statement per (dialect, table, conflict columns), its values passed as parameters: building
# ``insert(...).values(**values)`` for every row cost more CPU (coercions, a fresh cache key) than the
# INSERT itself; a reused statement keeps its cache key and its compiled form.
_STATEMENTS: dict[tuple[str, str, tuple[str, ...]], Insert] = {}


def _statement(dialect_name: str, model: type[SQLModel], conflict_columns: Sequence[str]) -> Insert:
    table = model.__table__  # type: ignore[attr-defined]
    key = (dialect_name, table.name, tuple(conflict_columns))
    statement = _STATEMENTS.get(key)
    if statement is None:
        dialect = postgresql if dialect_name == "postgresql" else sqlite
        primary_key = next(iter(table.primary_key.columns))
        statement = _STATEMENTS[key] = (dialect.insert(table)
                                        .on_conflict_do_nothing(index_elements=list(conflict_columns))
                                        .returning(primary_key))
    return statement


async def insert_once(session: AsyncSession, model: type[SQLModel], values: dict[str, Any],
                      conflict_columns: Sequence[str]) -> int | None:
    """Insert ``values``; the new row's primary key, or None when a row with the same ``conflict_columns``
    exists already (the duplicate changes nothing)."""
    statement = _statement(session.bind.dialect.name, model, conflict_columns)
    row = (await session.execute(statement, values)).first()  # one row of parameters: a plain execute
    return None if row is None else row[0]


async def insert_many_once(session: AsyncSession, model: type[SQLModel], rows: Sequence[dict[str, Any]],
                           conflict_columns: Sequence[str], key_column: str) -> set[Any]:
    """Insert ``rows`` in one executemany (multi-row INSERTs, in the order given, so ids follow it); the
    ``key_column`` values of the rows that were new (a duplicate of an existing row changes nothing)."""
    if not rows:
        return set()
    table = model.__table__  # type: ignore[attr-defined]
    cache_key = (session.bind.dialect.name, table.name, tuple(conflict_columns), key_column)
    statement = _MANY_STATEMENTS.get(cache_key)
    if statement is None:
        dialect = postgresql if cache_key[0] == "postgresql" else sqlite
        statement = _MANY_STATEMENTS[cache_key] = (dialect.insert(table)
                                                   .on_conflict_do_nothing(index_elements=list(conflict_columns))
                                                   .returning(table.c[key_column]))
    return {row[0] for row in (await session.execute(statement, list(rows))).all()}


_MANY_STATEMENTS: dict[tuple[str, str, tuple[str, ...], str], Insert] = {}
