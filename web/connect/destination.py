"""Where a connect link leads, in names and links people recognise: the workspace and person the link was
issued for (shown before the Facebook button, so someone handed a forwarded link sees it is not theirs),
and the Slack channel each connected number's conversations go to (on the success page).

Slack is asked through the notifier with a short timeout; when it does not answer the page still works,
with the workspace and user ids instead of names.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import quote, urlencode

from relay.onboarding.links import LinkError
from relay.onboarding.notifier import LinkAudience
from relay.services import Services

log = logging.getLogger("waslack.web.connect")

LOOKUP_TIMEOUT_SECONDS = 3.0
SLACK_WEB_CLIENT = "https://app.slack.com/client"


@dataclass(frozen=True)
class Audience:
    """The workspace and person a connect link belongs to."""

    team_id: str
    user_id: str
    workspace_name: str | None = None
    user_name: str | None = None


@dataclass(frozen=True)
class ChannelLink:
    """A Slack channel, with links that open it in the Slack app and in a browser."""

    channel_id: str
    name: str | None
    app_url: str
    web_url: str


def channel_link(team_id: str, channel_id: str, name: str | None) -> ChannelLink:
    """``slack://channel?team=…&id=…`` for the app, ``https://app.slack.com/client/{team}/{channel}`` for
    the web."""
    app_url = "slack://channel?" + urlencode({"team": team_id, "id": channel_id})
    web_url = f"{SLACK_WEB_CLIENT}/{quote(team_id, safe='')}/{quote(channel_id, safe='')}"
    return ChannelLink(channel_id, name, app_url, web_url)


async def _team_and_user(services: Services, token: str | None) -> tuple[str, str] | None:
    try:
        link = await services.links.inspect(token, allow_used=True)
    except LinkError:
        return None
    return link.team_id, link.user_id


async def link_audience(services: Services, token: str | None) -> Audience | None:
    """Whom the link ``token`` is for; None for a link that is not genuine."""
    owner = await _team_and_user(services, token)
    if owner is None:
        return None
    team_id, user_id = owner
    try:
        described = await asyncio.wait_for(services.notifier.describe_audience(team_id, user_id),
                                           LOOKUP_TIMEOUT_SECONDS)
    except Exception:  # a slow or failing Slack must not take the connect page down
        log.warning("could not name the workspace %s and user %s for the connect page", team_id, user_id)
        described = LinkAudience()
    return Audience(team_id, user_id, described.workspace_name, described.user_name)


async def channel_links(services: Services, token: str | None, channel_ids: Iterable[str | None]
                        ) -> dict[str, ChannelLink]:
    """Links to the channels of the numbers just connected through ``token``, by channel id."""
    wanted = [c for c in dict.fromkeys(channel_ids) if c]
    owner = await _team_and_user(services, token) if wanted else None
    if owner is None:
        return {}
    team_id = owner[0]

    async def named(channel_id: str) -> ChannelLink:
        try:
            name = await asyncio.wait_for(services.notifier.channel_name(team_id, channel_id),
                                          LOOKUP_TIMEOUT_SECONDS)
        except Exception:
            log.warning("could not name channel %s of %s for the success page", channel_id, team_id)
            name = None
        return channel_link(team_id, channel_id, name)

    return {link.channel_id: link for link in await asyncio.gather(*(named(c) for c in wanted))}
