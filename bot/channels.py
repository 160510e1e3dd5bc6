"""Channels for numbers' conversations: making sure the bot is in one, creating one for a new number."""

from __future__ import annotations

import enum
import logging
import re
import unicodedata
from dataclasses import dataclass

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

log = logging.getLogger("waslack.slack")

CHANNEL_PREFIX = "wa"
MAX_NAME = 80
NAME_ATTEMPTS = 10
# conversations.invite errors about the channel rather than the person: no use trying the next person
CHANNEL_ERRORS = frozenset({
    "channel_not_found", "not_in_channel", "is_archived", "method_not_supported_for_channel_type",
    "missing_scope", "restricted_action", "not_authed", "invalid_auth", "account_inactive",
})


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


def _slug(text: str) -> str:
    """Slack's channel-name alphabet: lowercase ASCII letters, digits, ``-`` and ``_`` (accents dropped)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"-{2,}", "-", re.sub(r"[^a-z0-9_]+", "-", ascii_text)).strip("-_")


def channel_name(verified_name: str | None, display_phone_number: str | None, attempt: int = 1) -> str:
    """``wa-<business name>`` (``wa-<last 8 digits>`` without a usable name); ``-2``, ``-3``… when taken.

    Slack's rules: at most 80 characters of lowercase letters, digits, hyphens and underscores."""
    base = _slug(verified_name or "")
    if not re.search(r"[a-z0-9]", base):
        digits = re.sub(r"\D", "", display_phone_number or "")
        base = digits[-8:] if len(digits) >= 4 else "whatsapp"
    suffix = "" if attempt == 1 else f"-{attempt}"
    stem = f"{CHANNEL_PREFIX}-{base}"[: MAX_NAME - len(suffix)].rstrip("-_")
    return stem + suffix


async def create_number_channel(
    client: AsyncWebClient,
    *,
    verified_name: str | None,
    display_phone_number: str | None,
    invite_user_id: str | None,
    private: bool = True,
) -> str | None:
    """Create a channel for a number's conversations, named after the business, and invite the person who
    connected it. Private unless ``private`` is False (SLACK_CHANNEL_VISIBILITY).

    None when the workspace does not let the bot create channels (the Home tab then asks for one)."""
    channel_id = None
    for attempt in range(1, NAME_ATTEMPTS + 1):
        name = channel_name(verified_name, display_phone_number, attempt)
        try:
            created = await client.conversations_create(name=name, is_private=private)
        except SlackApiError as exc:
            if _error(exc) == "name_taken":  # unique across public, private and archived channels
                continue
            log.warning("conversations.create refused: %s", _error(exc))
            return None
        channel_id = (created.get("channel") or {}).get("id")
        break
    if channel_id is None:
        log.warning("no free channel name for %s after %d tries", verified_name, NAME_ATTEMPTS)
        return None
    if invite_user_id:
        outcome = await invite_people(client, channel_id, [invite_user_id])
        if outcome.failed:
            log.info("inviting %s to %s failed: %s", invite_user_id, channel_id, outcome.failed)
    return channel_id


@dataclass(frozen=True)
class InviteOutcome:
    """What conversations.invite did for each person asked for."""

    invited: tuple[str, ...] = ()
    already_in: tuple[str, ...] = ()
    failed: tuple[tuple[str, str], ...] = ()  # (user id, Slack's error)
    channel_error: str | None = None  # the channel itself refused (not_in_channel, is_archived, …)


async def invite_people(client: AsyncWebClient, channel_id: str, user_ids: list[str]) -> InviteOutcome:
    """Invite each person on their own, so one refusal (``already_in_channel``, a guest…) spares the rest."""
    invited: list[str] = []
    already_in: list[str] = []
    failed: list[tuple[str, str]] = []
    for user_id in dict.fromkeys(user_ids):
        try:
            await client.conversations_invite(channel=channel_id, users=user_id)
        except SlackApiError as exc:
            error = _error(exc)
            if error == "already_in_channel":
                already_in.append(user_id)
            elif error in CHANNEL_ERRORS:
                return InviteOutcome(tuple(invited), tuple(already_in), tuple(failed), channel_error=error)
            else:
                failed.append((user_id, error))
            continue
        invited.append(user_id)
    return InviteOutcome(tuple(invited), tuple(already_in), tuple(failed))
