"""Who may change a number: users.info roles (cached briefly, failing closed) and the connector."""

from __future__ import annotations

import pytest
from slack_sdk.errors import SlackApiError

from bot.permissions import WorkspaceRoles, may_manage


class FakeUsers:
    """users.info as Slack answers it, counting calls."""

    def __init__(self, people: dict[str, dict]):
        self.people = {user: dict(flags) for user, flags in people.items()}
        self.calls: list[str] = []
        self.failing = False

    async def users_info(self, *, user: str, **_):
        self.calls.append(user)
        if self.failing or user not in self.people:
            raise SlackApiError("users.info failed", {"ok": False, "error": "user_not_found"})
        return {"ok": True, "user": {"id": user, **self.people[user]}}


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


PEOPLE = {
    "U0ADMIN": {"is_admin": True},
    "U0OWNER": {"is_admin": False, "is_owner": True},
    "U0MEMBER": {},
    "U0GONE": {"is_admin": True, "deleted": True},
}


@pytest.mark.parametrize(
    ("user", "admin"), [("U0ADMIN", True), ("U0OWNER", True), ("U0MEMBER", False), ("U0GONE", False)]
)
async def test_admins_and_owners_are_recognised(user, admin):
    assert await WorkspaceRoles().is_admin(FakeUsers(PEOPLE), "T1", user) is admin


async def test_roles_are_cached_briefly():
    users, clock = FakeUsers(PEOPLE), Clock()
    roles = WorkspaceRoles(ttl_seconds=60, clock=clock)
    assert await roles.is_admin(users, "T1", "U0ADMIN")
    assert await roles.is_admin(users, "T1", "U0ADMIN")
    assert users.calls == ["U0ADMIN"]
    clock.now += 61
    users.people["U0ADMIN"] = {}  # demoted meanwhile
    assert not await roles.is_admin(users, "T1", "U0ADMIN")
    assert users.calls == ["U0ADMIN", "U0ADMIN"]


async def test_a_failed_lookup_refuses_and_is_not_remembered():
    users = FakeUsers(PEOPLE)
    roles = WorkspaceRoles()
    users.failing = True
    assert not await roles.is_admin(users, "T1", "U0ADMIN")
    users.failing = False
    assert await roles.is_admin(users, "T1", "U0ADMIN")


async def test_forget_drops_one_workspace():
    users = FakeUsers(PEOPLE)
    roles = WorkspaceRoles()
    await roles.is_admin(users, "T1", "U0ADMIN")
    await roles.is_admin(users, "T2", "U0ADMIN")
    roles.forget("T1")
    await roles.is_admin(users, "T1", "U0ADMIN")
    await roles.is_admin(users, "T2", "U0ADMIN")
    assert users.calls == ["U0ADMIN", "U0ADMIN", "U0ADMIN"]


def test_who_may_manage():
    assert may_manage(user_id="U1", is_admin=True, connected_by="U2")
    assert may_manage(user_id="U2", is_admin=False, connected_by="U2")
    assert not may_manage(user_id="U1", is_admin=False, connected_by="U2")
    assert not may_manage(user_id="U1", is_admin=False, connected_by=None)
