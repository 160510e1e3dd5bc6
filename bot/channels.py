"""Channels for numbers' conversations: making sure the bot is in one, creating one for a new number."""

from __future__ import annotations

import enum
import logging
import re

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

log = logging.getLogger("waslack.slack")

CHANNEL_PREFIX = "whatsapp"
NAME_ATTEMPTS = 5


class ChannelAccess(enum.StrEnum):
    READY = "ready"  # the bot is a member: conversations can go there
    INVITE_NEEDED = "invite_needed"  # a private channel the bot is not in: someone must invite it
    UNAVAILABLE = "unavailable"  # archived, gone, or Slack refused


# conversations.info / conversations.join errors → what it means for the person choosing the channel
_ERRORS = {
    "channel_not_found": ChannelAccess.INVITE_NEEDED,  # private channels are invisible to non-members
    "method_not_supported_for_channel_type": ChannelAccess.INVITE_NEEDED,
    "is_archived": ChannelAccess.UNAVAILABLE,
}


def _error(exc: SlackApiError) -> str:
    return str(exc.response.get("error", "unknown_error"))


async def make_ready(client: AsyncWebClient, channel_id: str) -> ChannelAccess:
    """Join a public channel if needed; report when a private one needs an invitation first."""
    try:
        info = await client.conversations_info(channel=channel_id)
    except SlackApiError as exc:
        log.info("conversations.info %s: %s", channel_id, _error(exc))
        return _ERRORS.get(_error(exc), ChannelAccess.UNAVAILABLE)
    channel = info.get("channel") or {}
    if channel.get("is_archived"):
        return ChannelAccess.UNAVAILABLE
    if channel.get("is_member"):
        return ChannelAccess.READY
    if channel.get("is_private"):
        return ChannelAccess.INVITE_NEEDED
    try:
        await client.conversations_join(channel=channel_id)
    except SlackApiError as exc:
        log.info("conversations.join %s: %s", channel_id, _error(exc))
        return _ERRORS.get(_error(exc), ChannelAccess.UNAVAILABLE)
    return ChannelAccess.READY


def channel_name(display_phone_number: str | None, attempt: int = 1) -> str:
    """``whatsapp-<last 8 digits>`` (fewer if the number is short); ``-2``, ``-3``… when a name is taken."""
    digits = re.sub(r"\D", "", display_phone_number or "")
    base = f"{CHANNEL_PREFIX}-{digits[-8:]}" if len(digits) >= 4 else CHANNEL_PREFIX
    return base if attempt == 1 else f"{base}-{attempt}"


async def create_number_channel(
    client: AsyncWebClient, display_phone_number: str | None, invite_user_id: str | None
) -> str | None:
    """Create a public channel for a number's conversations and invite the person who connected it.

    None when the workspace does not let the bot create channels (the Home tab then asks for one)."""
    channel_id = None
    for attempt in range(1, NAME_ATTEMPTS + 1):
        try:
            created = await client.conversations_create(name=channel_name(display_phone_number, attempt))
        except SlackApiError as exc:
            if _error(exc) == "name_taken":
                continue
            log.warning("conversations.create refused: %s", _error(exc))
            return None
        channel_id = (created.get("channel") or {}).get("id")
        break
    if channel_id is None:
        return None
    if invite_user_id:
        try:
            await client.conversations_invite(channel=channel_id, users=invite_user_id)
        except SlackApiError as exc:
            log.info("inviting %s to %s failed: %s", invite_user_id, channel_id, _error(exc))
    return channel_id
