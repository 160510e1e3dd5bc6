"""The Bolt app: request verification, installation (OAuth or a single token), and every listener.

The web app serves it at ``/slack/events`` (plus ``/slack/install`` and ``/slack/oauth_redirect`` in OAuth
mode) through ``web/slack_edge.py``, which bounds and verifies each request before handing it to Bolt.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence

from slack_bolt.async_app import AsyncApp, AsyncBoltContext
from slack_bolt.authorization.async_authorize import AsyncInstallationStoreAuthorize
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings

from bot import wording
from bot.clients import SlackClients
from bot.installation_store import StorageInstallationStore, StorageOAuthStateStore
from bot.listeners import BotParts, accounts, home, inspector, lifecycle, templates
from bot.permissions import WorkspaceRoles
from bot.publisher import HomePublisher
from relay.services import Services

log = logging.getLogger("waslack.slack")

EVENTS_PATH = "/slack/events"
INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"

# The smallest set this code uses (reference 6.2), each for a Web API method the bot calls or an event it needs.
BOT_SCOPES = (
    "chat:write",  # chat.postMessage: the DM after a connection, thread parents and candidates' messages
    "chat:write.customize",  # candidates' messages shown with the candidate's name (username, icon_emoji)
    "commands",  # /template and the message shortcut
    "channels:read",  # conversations.info: is the bot in the chosen public channel?
    "groups:read",  # conversations.info on private channels the bot was invited to
    "channels:join",  # conversations.join: a public channel chosen in the Home tab
    "channels:manage",  # conversations.create/invite on public channels (SLACK_CHANNEL_VISIBILITY=public)
    "groups:write",  # conversations.create/invite on private channels: the default for a new number
    "channels:history",  # message.channels (thread replies) and conversations.history/replies (reconciling)
    "groups:history",  # the same in private channels (message.groups)
    "files:read",  # recruiters' files in thread replies, downloaded to send them on WhatsApp
    "files:write",  # files upload v2: candidates' images, voice notes and documents into the thread
    "reactions:write",  # reactions.add/remove: candidates' reactions and delivery ticks
    "users:read",  # users.info: only admins, owners and the connector may change a number
)
BOT_EVENTS = ("app_home_opened", "app_uninstalled", "tokens_revoked", "message.channels", "message.groups")

ListenerRegistration = Callable[[AsyncApp], None]


def create_bolt_app(
    services: Services, clients: SlackClients, *, extra_listeners: Sequence[ListenerRegistration] = ()
) -> AsyncApp:
    """The Bolt app in OAuth mode when SLACK_CLIENT_ID is set, else in single-workspace token mode.

    ``extra_listeners`` register other features' listeners (e.g. thread replies) ahead of the catch-alls,
    which must come last because Bolt runs the first listener that matches."""
    settings = services.settings
    client = clients.client(clients.single_token)  # no token in OAuth mode: Bolt sets one per request

    async def share_session(context: AsyncBoltContext, next: Callable[[], Awaitable[None]]) -> None:
        # every request's client (and Bolt's own) reuses one aiohttp session created inside the running loop
        session = clients.session()
        context.client.session = session
        client.session = session
        await next()

    options = {
        "name": "waslack",
        "signing_secret": settings.SLACK_SIGNING_SECRET.get_secret_value(),
        "client": client,
        "before_authorize": share_session,
        "user_facing_authorize_error_message": wording.NOT_INSTALLED,
    }
    if settings.slack_oauth_enabled:
        assert settings.SLACK_CLIENT_ID and settings.SLACK_CLIENT_SECRET
        store = StorageInstallationStore(services)
        client_secret = settings.SLACK_CLIENT_SECRET.get_secret_value()
        oauth = AsyncOAuthSettings(
            client_id=settings.SLACK_CLIENT_ID,
            client_secret=client_secret,
            scopes=list(BOT_SCOPES),
            user_scopes=[],
            redirect_uri=settings.PUBLIC_BASE_URL + REDIRECT_PATH,
            install_path=INSTALL_PATH,
            redirect_uri_path=REDIRECT_PATH,
            authorization_url=settings.SLACK_AUTHORIZE_URL,
            install_page_rendering_enabled=False,
            installation_store=store,
            installation_store_bot_only=True,
            state_store=StorageOAuthStateStore(services),
            logger=log,
        )
        authorize = AsyncInstallationStoreAuthorize(
            logger=log,
            installation_store=store,
            client_id=settings.SLACK_CLIENT_ID,
            client_secret=client_secret,
            bot_only=True,
            cache_enabled=True,
            client=client,
        )
        app = AsyncApp(oauth_settings=oauth, authorize=authorize, installation_store_bot_only=True, **options)
    else:
        app = AsyncApp(**options)

    roles = WorkspaceRoles()
    parts = BotParts(
        services=services, clients=clients, roles=roles, publisher=HomePublisher(services, clients, roles)
    )
    home.register(app, parts)
    accounts.register(app, parts)
    lifecycle.register(app, parts)
    inspector.register(app, parts)
    templates.register(app, parts)
    for register in extra_listeners:
        register(app)
    lifecycle.register_catch_alls(app)
    return app
