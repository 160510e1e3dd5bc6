"""The Events API envelope Slack wraps every event in (``event_callback``), shared by every sender."""

from __future__ import annotations

import base64
import json
from typing import Any

from .ids import slack_id
from .state import Workspace
from .world import SlackWorld

VERIFICATION_TOKEN = "simverificationtoken0001"  # the deprecated per-app token Slack still sends


def event_envelope(
    world: SlackWorld, ws: Workspace, event: dict[str, Any], event_id: str | None = None
) -> dict[str, Any]:
    """The ``event_callback`` envelope Slack wraps an event in (a fresh event_id unless given)."""
    context = json.dumps({"team_id": ws.team_id, "app_id": ws.app_id}).encode()
    return {
        "token": VERIFICATION_TOKEN,
        "team_id": ws.team_id,
        "context_team_id": ws.team_id,
        "context_enterprise_id": None,
        "api_app_id": ws.app_id,
        "event": event,
        "type": "event_callback",
        "event_id": str(event_id or slack_id("Ev")),
        "event_time": int(world.clock()),
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": ws.team_id,
                "user_id": ws.bot_user_id,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
        "event_context": "4-" + base64.urlsafe_b64encode(context).decode().rstrip("="),
        "authed_users": [ws.bot_user_id],  # deprecated, still required by Slack's envelope schema
    }
