"""SQLite has one writer at a time. When the inbox writer and the workers of one process each wrote on their own
pooled connection, they met in SQLite's busy handler, which sleeps in steps of up to 100 ms: acks and posts
waited far longer than the writes took. Here they take turns in the event loop instead, the webhook acks
first. On PostgreSQL every transaction simply runs (rows lock, commits group in its WAL)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from sqlmodel.ext.asyncio.session import AsyncSession

from storage.database import Database


class WriteTurns:
    """``async with turns.session() as session`` is a session whose whole transaction holds the write turn
    (SQLite only); ``urgent=True`` (the webhook acks) goes before every writer that is still waiting."""

    def __init__(self, database: Database):
        self.database = database
        self.serialised = database.is_sqlite
        self._busy = False
        self._urgent: list[asyncio.Future[None]] = []
        self._others: list[asyncio.Future[None]] = []

    @contextlib.asynccontextmanager
    async def session(self, *, urgent: bool = False) -> AsyncIterator[AsyncSession]:
        if not self.serialised:
            async with self.database.session() as session:
                yield session
            return
        await self._acquire(urgent)
        try:
            async with self.database.session() as session:
                yield session
        finally:
            self._release()

    async def _acquire(self, urgent: bool) -> None:
        if not self._busy:
            self._busy = True
            return
        turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        (self._urgent if urgent else self._others).append(turn)
        try:
            await turn
        except asyncio.CancelledError:
            if turn.done() and not turn.cancelled():
                self._release()  # the turn was handed to us as we were cancelled: pass it on
            else:
                with contextlib.suppress(ValueError):
                    (self._urgent if urgent else self._others).remove(turn)
            raise

    def _release(self) -> None:
        for queue in (self._urgent, self._others):
            while queue:
                turn = queue.pop(0)
                if not turn.done():
                    turn.set_result(None)  # _busy stays True: the turn passes straight to this waiter
                    return
        self._busy = False
