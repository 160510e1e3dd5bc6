"""Who may move or disconnect a number: workspace admins and owners (users.info), and whoever connected it.

Roles are remembered for a minute so a busy Home tab doesn't call users.info on every click; a failed lookup
is never remembered and counts as "not an admin" (fail closed).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any, Protocol

from slack_sdk.errors import SlackApiError

log = logging.getLogger("waslack.slack")

ROLE_TTL_SECONDS = 60.0


class UsersInfoClient(Protocol):
    async def users_info(self, *, user: str, **kwargs: Any) -> Any: ...


def may_manage(*, user_id: str, is_admin: bool, connected_by: str | None) -> bool:
    """Admins and owners manage every number; anyone else only the ones they connected."""
    return is_admin or (connected_by is not None and connected_by == user_id)


class WorkspaceRoles:
    """Answers "is this person an admin or owner of the workspace?" from users.info, cached briefly."""

    def __init__(self, ttl_seconds: float = ROLE_TTL_SECONDS, clock: Callable[[], float] = time.monotonic):
        self.ttl_seconds = ttl_seconds
        self.clock = clock
        self._known: dict[tuple[str, str], tuple[bool, float]] = {}

    async def is_admin(self, client: UsersInfoClient, team_id: str, user_id: str) -> bool:
        key = (team_id, user_id)
        cached = self._known.get(key)
        now = self.clock()
        if cached is not None and cached[1] > now:
            return cached[0]
        try:
            response = await client.users_info(user=user_id)
        except SlackApiError as exc:
            log.warning("users.info for %s in %s failed: %s", user_id, team_id, exc.response.get("error"))
            return False
        user = response.get("user") or {}
        admin = bool(
            (user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner"))
            and not user.get("deleted")
            and not user.get("is_bot")
            and user.get("id", user_id) == user_id
        )
        self._known[key] = (admin, now + self.ttl_seconds)
        return admin

    def forget(self, team_id: str) -> None:
        """Drop what we know about a workspace's people (e.g. after it uninstalled the app)."""
        for key in [k for k in self._known if k[0] == team_id]:
            del self._known[key]
