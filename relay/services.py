"""The services one relay process shares: settings, database, cipher, Graph client, connect links, Slack notifier."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from relay.onboarding.links import ConnectLinks
from relay.onboarding.notifier import SilentNotifier, WorkspaceNotifier
from relay.onboarding.workspaces import Workspaces
from relay.settings import Settings
from storage.cipher import TokenCipher
from storage.database import Database
from storage.repositories.installations import LiveInstallations
from whatsapp.graph import GraphClient

if TYPE_CHECKING:
    from relay.inbound.inbox_writer import InboxWriter
    from relay.template_sends.request import TemplateSender


@dataclass
class Services:
    settings: Settings
    database: Database
    cipher: TokenCipher
    graph: GraphClient
    links: ConnectLinks
    notifier: WorkspaceNotifier = field(default_factory=SilentNotifier)
    inbox: InboxWriter = field(init=False)  # set by the wiring (relay.runtime): where webhooks are stored
    template_sender: TemplateSender | None = None  # set by the wiring: what the /template modal submits to
    installations: LiveInstallations = field(init=False)  # workspaces' bot tokens, read once every few seconds

    def __post_init__(self) -> None:
        from relay.inbound.inbox_writer import InboxWriter

        self.inbox = InboxWriter(self.database)
        self.installations = LiveInstallations(self.database, self.cipher)

    @classmethod
    def build(cls, settings: Settings, *, graph_transport=None) -> Services:  # type: ignore[no-untyped-def]
        database = Database(settings.DATABASE_URL)
        graph = GraphClient(
            base_url=settings.META_GRAPH_URL,
            api_version=settings.META_API_VERSION,
            app_id=settings.META_APP_ID,
            app_secret=settings.META_APP_SECRET.get_secret_value(),
            system_user_token=(
                settings.META_SYSTEM_USER_TOKEN.get_secret_value() if settings.META_SYSTEM_USER_TOKEN else None
            ),
            timeout=settings.META_TIMEOUT_SECONDS,
            transport=graph_transport,
        )
        cipher = TokenCipher(settings.encryption_keys)
        workspaces = Workspaces(database, cipher, single_workspace=not settings.slack_oauth_enabled)
        return cls(
            settings=settings,
            database=database,
            cipher=cipher,
            graph=graph,
            links=ConnectLinks(database, settings.link_signing_key, settings.PUBLIC_BASE_URL,
                               workspaces=workspaces),
        )

    async def aclose(self) -> None:
        await self.graph.aclose()
        await self.database.dispose()
