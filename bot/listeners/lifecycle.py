"""The app's life in a workspace: uninstall and token revocation, and catch-alls so that nothing Slack sends
is ever answered with a 404 (which Slack counts as a failed delivery).
"""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext

from bot.listeners import BotParts
from relay.onboarding.manage import workspace_uninstalled

log = logging.getLogger("waslack.slack")

ANYTHING = re.compile(r".*")


def register(app: AsyncApp, parts: BotParts) -> None:
    async def removed(event: dict[str, Any], context: AsyncBoltContext, body: dict[str, Any]) -> None:
        team_id = context.team_id or body.get("team_id")
        if not team_id:
            return
        if event.get("type") == "tokens_revoked" and not (event.get("tokens") or {}).get("bot"):
            return  # only user tokens were revoked, and waslack holds none
        count = await workspace_uninstalled(parts.services, team_id=team_id, event=str(event.get("type")))
        parts.roles.forget(team_id)
        log.info(
            "workspace %s removed the app (%s); %d account(s) disconnected", team_id, event.get("type"), count
        )

    app.event("app_uninstalled")(removed)
    app.event("tokens_revoked")(removed)


def register_catch_alls(app: AsyncApp) -> None:
    """Acknowledge whatever no earlier listener took: every message subtype, any other event or interaction.

    Must be registered last: Bolt runs the first listener that matches."""

    async def ignore_event() -> None:
        return None

    async def acknowledge(ack: AsyncAck) -> None:
        await ack()

    app.event(ANYTHING)(ignore_event)
    app.action(ANYTHING)(acknowledge)
    app.shortcut(ANYTHING)(acknowledge)
    app.view(ANYTHING)(acknowledge)
    app.view_closed(ANYTHING)(acknowledge)
    app.command(ANYTHING)(acknowledge)
