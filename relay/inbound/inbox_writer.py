"""Group commit for the webhook endpoint: concurrent requests share one INSERT and one COMMIT, and each
request's acknowledgement still waits for the commit that holds its body."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlmodel.ext.asyncio.session import AsyncSession

from relay.inbound.group_commit import GroupCommit
from relay.inbound.write_turns import WriteTurns
from storage.database import Database
from storage.repositories.inbox import InboxRepository

MAX_BATCH = 500


class InboxWriter:
    """``await store(body)`` returns once the body is committed; bodies that arrive while a commit runs go
    into the next one together. Its commits go before the workers' (an ack is what Meta waits for)."""

    def __init__(self, database: Database, *, on_stored: Callable[[], None] | None = None,
                 turns: WriteTurns | None = None):
        self.database = database
        self._group: GroupCommit[tuple[bytes, str | None], None] = GroupCommit(
            "webhook inbox", turns or WriteTurns(database), self._write, urgent=True, max_batch=MAX_BATCH,
            after_commit=on_stored)

    async def store(self, body: bytes, *, unparseable: str | None = None) -> None:
        """Returns once ``body`` is durable; raises if the database refused it."""
        await self._group.submit((body, unparseable))

    @staticmethod
    async def _write(session: AsyncSession, batch: list[tuple[bytes, str | None]]) -> Sequence[None]:
        await InboxRepository(session).add_many([b for b, _ in batch], unparseable=[r for _, r in batch])
        return [None] * len(batch)
