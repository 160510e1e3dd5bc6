"""What the Home tab's Recent conversations needs from Slack: who is in each WhatsApp channel (a person sees the
conversations of the channels they are in, as in Slack itself: channels are private by default) and the
workspace's URL for thread links. Both remembered for a while, so re-publishing every viewer's Home tab costs
one conversations.members per channel and one auth.test per workspace, not one per viewer.

A failed lookup is not remembered, and a channel whose members are unknown shows nobody its conversations
(fail closed).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from typing import Any

from slack_sdk.errors import SlackApiError

log = logging.getLogger("waslack.slack")

MEMBERS_TTL_SECONDS = 60.0
TEAM_URL_TTL_SECONDS = 3600.0
MAX_MEMBER_PAGES = 20  # conversations.members pages of 1000 read per channel


class ConversationAccess:
    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self.clock = clock
        self._members: dict[tuple[str, str], tuple[frozenset[str], float]] = {}
        self._urls: dict[str, tuple[str | None, float]] = {}
        # bumped by forget(): a lookup that started before it (and may have read the old members) is not kept
        self._generations: dict[str, int] = {}

    async def channels_of(self, client: Any, team_id: str, user_id: str, channel_ids: Iterable[str]) -> set[str]:
        """The channels among ``channel_ids`` that ``user_id`` is a member of."""
        found = set()
        for channel_id in sorted(set(channel_ids)):
            members = await self._channel_members(client, team_id, channel_id)
            if members is not None and user_id in members:
                found.add(channel_id)
        return found

    async def _channel_members(self, client: Any, team_id: str, channel_id: str) -> frozenset[str] | None:
        key, now = (team_id, channel_id), self.clock()
        cached = self._members.get(key)
        if cached is not None and cached[1] > now:
            return cached[0]
        members: set[str] = set()
        cursor = None
        generation = self._generations.get(team_id, 0)
        try:
            for _ in range(MAX_MEMBER_PAGES):
                response = await client.conversations_members(channel=channel_id, limit=1000,
                                                              **({"cursor": cursor} if cursor else {}))
                members.update(response.get("members") or [])
                cursor = (response.get("response_metadata") or {}).get("next_cursor")
                if not cursor:
                    break
        except SlackApiError as exc:
            log.warning("conversations.members for %s in %s failed: %s", channel_id, team_id,
                        exc.response.get("error"))
            return None
        if self._generations.get(team_id, 0) == generation:
            self._members[key] = (frozenset(members), now + MEMBERS_TTL_SECONDS)
        return frozenset(members)

    async def team_url(self, client: Any, team_id: str) -> str | None:
        """``https://acme.slack.com/`` from auth.test; None when Slack would not say."""
        now = self.clock()
        cached = self._urls.get(team_id)
        if cached is not None and cached[1] > now:
            return cached[0]
        try:
            url = (await client.auth_test()).get("url")
        except SlackApiError as exc:
            log.warning("auth.test for %s failed: %s", team_id, exc.response.get("error"))
            return None
        url = url if isinstance(url, str) and url.startswith("https://") else None
        self._urls[team_id] = (url, now + TEAM_URL_TTL_SECONDS)
        return url

    def forget(self, team_id: str) -> None:
        """Drop what is known of a workspace (after it removed the app, or a channel's members changed)."""
        self._generations[team_id] = self._generations.get(team_id, 0) + 1
        for key in [k for k in self._members if k[0] == team_id]:
            del self._members[key]
        self._urls.pop(team_id, None)
