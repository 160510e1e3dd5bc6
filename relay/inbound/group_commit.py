"""Group commit: callers' writes that arrive while a commit runs go into the next one together, and each
caller returns only once the commit that holds its write is done (or hears why it failed). The webhook
inbox uses it for acks, the outbox for finished Slack writes."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

from sqlmodel.ext.asyncio.session import AsyncSession

from relay.inbound.write_turns import WriteTurns

log = logging.getLogger("waslack.inbound")

T = TypeVar("T")
R = TypeVar("R")


class GroupCommit(Generic[T, R]):
    """``await submit(x)`` returns ``write``'s result for ``x`` once it is committed; ``write(session,
    batch)`` writes a whole batch (up to ``max_batch``) and returns one result per item, in order."""

    def __init__(self, name: str, turns: WriteTurns, write: Callable[[AsyncSession, list[T]], Awaitable[Sequence[R]]],
                 *, urgent: bool = False, max_batch: int = 500, after_commit: Callable[[], None] | None = None):
        self.name, self.turns, self.write = name, turns, write
        self.urgent, self.max_batch, self.after_commit = urgent, max_batch, after_commit
        self._waiting: list[tuple[T, asyncio.Future[R]]] = []
        self._flusher: asyncio.Task | None = None

    async def submit(self, value: T) -> R:
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._waiting.append((value, future))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush_while_waiting(), name=f"group-commit-{self.name}")
        return await future  # a caller cancelled meanwhile cancels only its own future, which the flush skips

    def _take(self) -> list[tuple[T, asyncio.Future[R]]]:
        batch, self._waiting = self._waiting[:self.max_batch], self._waiting[self.max_batch:]
        return batch

    async def _flush_while_waiting(self) -> None:
        while self._waiting:
            batch: list[tuple[T, asyncio.Future[R]]] = []
            try:
                async with self.turns.session(urgent=self.urgent) as session:
                    batch = self._take()  # once the turn is ours: what came while we waited joins this commit
                    if self.urgent:
                        self.turns.note_batch(len(batch))
                    results = await self.write(session, [value for value, _ in batch])
                    await session.commit()
            except Exception as exc:  # every caller of this batch hears it
                batch = batch or self._take()
                log.error("%s: a commit of %d writes failed: %s", self.name, len(batch), type(exc).__name__)
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            for result, (_, future) in zip(results, batch, strict=True):
                if not future.done():
                    future.set_result(result)
            if self.after_commit is not None:
                self.after_commit()
