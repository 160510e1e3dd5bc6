"""aiosqlite, with its statements run in the event loop's own thread.

aiosqlite hands every call to a worker thread and waits for a future: a thread hop, a GIL hand-over and a turn of
the event loop per statement. Measured under bench.outbound, the queue hand-over alone held the GIL for an eighth
of the relay's time, and a write transaction, resumed once per statement behind every other ready task, held
SQLite's single write turn (relay/inbound/write_turns.py) for half a second where its work took tens of
milliseconds: every other writer waited behind it.

A statement on a local SQLite file takes microseconds, so ``InlineConnection`` runs it at once, in the loop's
thread. What can block for long still goes to aiosqlite's thread:

- ``commit`` (the fsync that makes an acknowledged webhook durable, and WAL checkpoints) and ``close``;
- a statement that meets another process's write lock: run inline with no busy timeout, it fails at once with
  "database is locked" having done nothing, and is run again in the thread, where SQLite's busy handler may
  wait for ``BUSY_TIMEOUT_MS`` without stopping the loop.

One connection serves one session at a time (SQLAlchemy's pool), and each call is awaited before the next, so
an inline call never runs beside a threaded one on the same connection.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any

import aiosqlite

BUSY_TIMEOUT_MS = 5000


class InlineConnection(aiosqlite.Connection):
    """An aiosqlite connection whose short calls run inline (see the module's docstring)."""

    async def _execute(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if not self._running or not self._connection:
            raise ValueError("Connection closed")
        if fn == self._connection.commit or fn == self._connection.close:  # they may wait on the disk
            return await super()._execute(fn, *args, **kwargs)
        try:
            return fn(*args, **kwargs)
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc):
                raise
        return await super()._execute(self._patiently, fn, args, kwargs)

    def _patiently(self, fn: Callable[..., Any], args: tuple, kwargs: dict) -> Any:
        """``fn`` in aiosqlite's thread, letting SQLite's busy handler wait for the other writer."""
        self._conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        try:
            return fn(*args, **kwargs)
        finally:
            self._conn.execute("PRAGMA busy_timeout=0")


def inline_connection(database: str, **kwargs: Any) -> InlineConnection:
    """What ``aiosqlite.connect`` returns, as an ``InlineConnection``: awaiting it starts aiosqlite's thread and
    opens the file there (usable from the loop's thread too). Inline statements meet no busy timeout."""
    def connector() -> sqlite3.Connection:
        connection = sqlite3.connect(database, check_same_thread=False, **kwargs)
        connection.execute("PRAGMA busy_timeout=0")
        return connection

    connection = InlineConnection(connector, 64)
    connection._thread.daemon = True  # as SQLAlchemy does for aiosqlite's own connections
    return connection
