"""The inbound relay of one process, wired: the inbox writer the webhook endpoint uses, the inbox and outbox
workers, the Slack sender with its lookups, and media fetched from Meta with the business token."""

from __future__ import annotations

from bot.outbox_sender import Destination, OutboxSender, Refused
from bot.slack_writes import MediaUpload, ThreadPost, write_args
from bot.status_wording import outbox_gave_up
from relay.inbound.inbox_worker import InboxWorker
from relay.inbound.inbox_writer import InboxWriter
from relay.inbound.lookup import OutboxLookup
from relay.inbound.outbox_worker import OutboxWorker
from relay.inbound.pacing import ChannelPacer
from relay.inbound.write_turns import WriteTurns
from storage.cipher import TokenCipher
from storage.database import Database
from storage.messaging_models import SlackOutboxItem
from storage.repositories.outbox import OutboxRepository
from whatsapp.graph import GraphClient

# Meta delivers inbound media up to 100 MB (reference 2.5); Slack takes files far larger.
MAX_MEDIA_BYTES = 100 * 1024 * 1024


class InboundPipeline:
    def __init__(self, database: Database, cipher: TokenCipher, graph: GraphClient, client_for_team,  # type: ignore[no-untyped-def]
                 *, pacer: ChannelPacer | None = None, on_teams_changed=None):
        self.graph = graph
        self.turns = WriteTurns(database)  # one per process: every inbound write takes its turn here
        self.database = database
        self.lookup = OutboxLookup(database, cipher, client_for_team, turns=self.turns,
                                   on_teams_changed=on_teams_changed)
        self.sender = OutboxSender(self.lookup, self.download_media)
        self.outbox_worker = OutboxWorker(database, self.sender, self.lookup, pacer=pacer, turns=self.turns,
                                          on_dead=self.tell_thread)
        self.inbox_worker = InboxWorker(database, on_queued=self.outbox_worker.wake, turns=self.turns,
                                        on_teams_changed=on_teams_changed)
        self.writer = InboxWriter(database, on_stored=self.inbox_worker.wake, turns=self.turns)

    async def download_media(self, dest: Destination, write: MediaUpload) -> bytes:
        """The media's bytes from Meta (a fresh URL each time: Meta's URLs last five minutes)."""
        if not dest.business_token:
            raise Refused("the number has no business token (reconnect it) so its media cannot be fetched")
        info = await self.graph.get_media(write.media_id, dest.business_token, phone_number_id=dest.phone_number_id)
        return await self.graph.download_media(info.url, dest.business_token, max_bytes=MAX_MEDIA_BYTES)

    async def tell_thread(self, item: SlackOutboxItem, reason: str) -> None:
        """A candidate's message that could not be mirrored after every attempt is not silently dropped: the
        thread says so (once), with the reason; the raw webhook stays in the inspector."""
        if item.conversation_id is None or item.kind not in ("post", "upload") or item.dedupe_key.startswith("dead:"):
            return
        async with self.database.session() as session:
            await OutboxRepository(session).add(
                dedupe_key=f"dead:{item.id}", team_id=item.team_id, lane=item.lane, kind=ThreadPost.kind,
                args=write_args(ThreadPost(text=outbox_gave_up(item.kind, reason), as_candidate=False)),
                conversation_id=item.conversation_id)
            await session.commit()
        self.outbox_worker.wake()

    def start(self) -> None:
        self.inbox_worker.start()
        self.outbox_worker.start()

    async def stop(self) -> None:
        await self.inbox_worker.stop()
        await self.outbox_worker.stop()


