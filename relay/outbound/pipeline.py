"""The outbound relay of one process, wired: recording replies (from the Bolt middleware) and the worker that
sends them, with its Slack and Graph sides."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import httpx

from bot.listeners.replies import ThreadReply
from relay.inbound.write_turns import WriteTurns
from relay.outbound.context import ClientForTeam, ReplyContexts
from relay.outbound.delivery import ReplyDelivery
from relay.outbound.notices import ReplyNotices
from relay.outbound.recording import record_reply
from relay.outbound.worker import ReplyWorker
from relay.settings import Settings
from storage.cipher import TokenCipher
from storage.database import Database
from whatsapp.graph import GraphClient

SLACK_FILE_TIMEOUT_SECONDS = 60.0  # a 100 MB document over a slow link


class OutboundPipeline:
    def __init__(self, settings: Settings, database: Database, cipher: TokenCipher, graph: GraphClient,
                 client_for_team: ClientForTeam, *, on_slack_queued: Callable[[], None] | None = None,
                 turns: WriteTurns | None = None):
        self.database = database
        self.turns = turns or WriteTurns(database)  # shared with the inbound workers: SQLite's one writer
        self.http = httpx.AsyncClient(timeout=SLACK_FILE_TIMEOUT_SECONDS)
        self.worker = ReplyWorker(
            database, ReplyContexts(database, cipher, graph, client_for_team, self.turns),
            ReplyDelivery(graph, self.http), ReplyNotices(database, on_slack_queued, self.turns),
            unknown_outcome_wait=timedelta(seconds=settings.WASLACK_UNKNOWN_OUTCOME_WAIT_SECONDS),
            read_receipts=settings.WASLACK_READ_RECEIPTS, turns=self.turns)

    async def record(self, reply: ThreadReply) -> int | None:
        """Store a thread reply (once) and wake the worker; the row id, or None when nothing was recorded."""
        row_id = await record_reply(self.database, reply, self.turns)
        if row_id is not None:
            self.worker.wake()
        return row_id

    def start(self) -> None:
        self.worker.start()

    async def stop(self) -> None:
        await self.worker.stop()
        await self.http.aclose()
