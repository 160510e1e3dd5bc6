"""The engine and sessions: one async engine per process, SQLite by default, PostgreSQL in production."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress
from functools import partial
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.dialects.sqlite.aiosqlite import SQLiteDialect_aiosqlite
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.sqlite_inline import InlineConnection, inline_connection


def sync_url(url: str) -> str:
    """The URL a synchronous engine (Alembic) uses."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return parsed.set(drivername="sqlite").render_as_string(hide_password=False)
    return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)


def async_url(url: str) -> str:
    """The URL the async engine uses (aiosqlite or psycopg 3's async mode)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return parsed.set(drivername="sqlite+aiosqlite").render_as_string(hide_password=False)
    return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)


def ensure_sqlite_folder(url: str) -> None:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)


def create_private_sqlite_file(url: str) -> None:
    """Create the SQLite file readable and writable by this user only (0600), before SQLite would create it
    with the umask's mode: it holds the encrypted tokens and every conversation. SQLite gives its -wal and
    -shm files the database file's mode. An existing file, or a missing folder, is left as it is."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return
    with suppress(FileExistsError, FileNotFoundError):
        os.close(os.open(parsed.database, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")  # (the busy timeout is storage/sqlite_inline.py's business)
    cursor.execute("PRAGMA journal_mode=WAL")
    # an acknowledged webhook must survive a power cut, not only a crash of the process
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.close()


def _inline_sqlite(url: str) -> Callable[[], InlineConnection]:
    """Opens the URL's SQLite file as SQLAlchemy's aiosqlite dialect would, with statements run inline."""
    args, options = SQLiteDialect_aiosqlite().create_connect_args(make_url(url))
    options.pop("check_same_thread", None)
    return partial(inline_connection, *args, **options)


class Database:
    """Owns the async engine; ``session()`` yields a session that commits only when told to."""

    def __init__(self, url: str, *, echo: bool = False):
        self.url = url
        ensure_sqlite_folder(url)
        create_private_sqlite_file(url)
        self.is_sqlite = make_url(url).get_backend_name() == "sqlite"
        kwargs: dict = {"echo": echo}
        if not self.is_sqlite:
            kwargs.update(pool_size=10, max_overflow=10, pool_pre_ping=True)
        else:
            kwargs["async_creator"] = _inline_sqlite(async_url(url))
        self.engine: AsyncEngine = create_async_engine(async_url(url), **kwargs)
        if self.is_sqlite:
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
        self._sessions = async_sessionmaker(self.engine, class_=AsyncSession, expire_on_commit=False)

    def __repr__(self) -> str:
        return f"Database({make_url(self.url).render_as_string(hide_password=True)!r})"

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        async with self._sessions() as session:
            yield session

    async def dispose(self) -> None:
        await self.engine.dispose()
