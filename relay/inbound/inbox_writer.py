"""Group commit for the webhook endpoint: concurrent requests share one INSERT and one COMMIT, and each
request's acknowledgement still waits for the commit that holds its body."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from storage.database import Database
from storage.repositories.inbox import InboxRepository

log = logging.getLogger("waslack.inbox")

MAX_BATCH = 500


class InboxWriter:
    """``await store(body)`` returns once the body is committed; bodies that arrive while a commit runs go
    into the next one together."""

    def __init__(self, database: Database, *, on_stored: Callable[[], None] | None = None):
        self.database = database
        self.on_stored = on_stored
        self._waiting: list[tuple[bytes, str | None, asyncio.Future[int]]] = []
        self._flusher: asyncio.Task | None = None

    async def store(self, body: bytes, *, unparseable: str | None = None) -> int:
        """The inbox id of ``body`` once it is durable; raises if the database refused it."""
        future: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self._waiting.append((body, unparseable, future))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush_while_waiting())
        return await asyncio.shield(future)

    async def _flush_while_waiting(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting[:MAX_BATCH], self._waiting[MAX_BATCH:]
            try:
                async with self.database.session() as session:
                    ids = await InboxRepository(session).add_many([b for b, _, _ in batch],
                                                                  unparseable=[r for _, r, _ in batch])
                    await session.commit()
            except Exception as exc:  # every waiter hears it; Meta retries what we did not acknowledge
                log.error("webhook inbox write failed for %d bodies: %s", len(batch), type(exc).__name__)
                for _, _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            for inbox_id, (_, _, future) in zip(ids, batch, strict=True):
                if not future.done():
                    future.set_result(inbox_id)
            if self.on_stored is not None:
                self.on_stored()
