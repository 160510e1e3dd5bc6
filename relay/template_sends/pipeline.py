"""The template sends of one process, wired: the ``TemplateSender`` the /template modal calls and the worker
that sends, paced within the number's throughput."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from relay.inbound.write_turns import WriteTurns
from relay.settings import Settings
from relay.template_sends.recording import TemplateSends
from relay.template_sends.worker import TemplateSendWorker
from storage.cipher import TokenCipher
from storage.database import Database
from whatsapp.graph import GraphClient


class TemplateSendPipeline:
    def __init__(self, settings: Settings, database: Database, cipher: TokenCipher, graph: GraphClient, *,
                 on_slack_queued: Callable[[], None] | None = None, turns: WriteTurns | None = None,
                 summary_quiet: timedelta | None = None):
        extra = {"summary_quiet": summary_quiet} if summary_quiet is not None else {}
        self.worker = TemplateSendWorker(
            database, cipher, graph, per_second=settings.WASLACK_TEMPLATE_SENDS_PER_SECOND,
            unknown_outcome_wait=timedelta(seconds=settings.WASLACK_UNKNOWN_OUTCOME_WAIT_SECONDS),
            on_slack_queued=on_slack_queued, turns=turns, **extra)
        self.sender = TemplateSends(database, on_recorded=self.worker.wake, turns=turns)

    def start(self) -> None:
        self.worker.start()

    async def stop(self) -> None:
        await self.worker.stop()
