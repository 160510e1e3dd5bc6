"""Who may send templates from a number: the people who can read its conversations. A number whose channel is
public (anyone in the workspace can read it) or not chosen yet is open to the workspace; a private channel's
number only to the channel's members. The workspace itself is settled before this: numbers are looked up by
the signed request's team, never by an id from the payload.

Answers are remembered for a minute per person and channel; a failed lookup is never remembered and counts
as "no" (fail closed).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from slack_sdk.errors import SlackApiError

from bot.template_modal.catalog import SendingNumber

log = logging.getLogger("waslack.slack")

ACCESS_TTL_SECONDS = 60.0
MEMBER_PAGES = 20  # 20 x 1,000 members: beyond that, the channel counts as closed to the person


class ChannelAccess:
    def __init__(self, ttl_seconds: float = ACCESS_TTL_SECONDS, clock: Callable[[], float] = time.monotonic):
        self.ttl_seconds, self.clock = ttl_seconds, clock
        self._known: dict[tuple[str, str, str], tuple[bool, float]] = {}

    async def may_send(self, client: Any, team_id: str, user_id: str, number: SendingNumber) -> bool:
        if not number.channel_id:
            return True
        key = (team_id, number.channel_id, user_id)
        cached = self._known.get(key)
        now = self.clock()
        if cached is not None and cached[1] > now:
            return cached[0]
        try:
            allowed = await self._reads_channel(client, number.channel_id, user_id)
        except SlackApiError as exc:
            log.warning("channel access of %s to %s unknown: %s", user_id, number.channel_id,
                        exc.response.get("error"))
            return False
        self._known[key] = (allowed, now + self.ttl_seconds)
        return allowed

    async def _reads_channel(self, client: Any, channel_id: str, user_id: str) -> bool:
        info = await client.conversations_info(channel=channel_id)
        channel = info.get("channel") or {}
        if not channel.get("is_private"):
            return True
        cursor = None
        for _ in range(MEMBER_PAGES):
            page = await client.conversations_members(channel=channel_id, limit=1000, cursor=cursor)
            if user_id in (page.get("members") or []):
                return True
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                break
        return False

    async def numbers_for(self, client: Any, team_id: str, user_id: str,
                          numbers: list[SendingNumber]) -> list[SendingNumber]:
        """The numbers among ``numbers`` the person may send from."""
        return [n for n in numbers if await self.may_send(client, team_id, user_id, n)]
