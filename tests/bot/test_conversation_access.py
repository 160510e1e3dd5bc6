"""Who is in each channel, as the Home tab's Recent conversations remembers it: a lookup that was under way when
the members changed (an invitation from the Home tab) must not be remembered over the change."""

from __future__ import annotations

import asyncio

from bot.conversation_access import ConversationAccess


class SlowMembers:
    """conversations.members answering the channel's members as they were when the call started."""

    def __init__(self, members: list[str]):
        self.members = members
        self.calls = 0
        self.release = asyncio.Event()

    async def conversations_members(self, channel: str, limit: int, **_: object) -> dict:
        self.calls += 1
        seen = list(self.members)
        await self.release.wait()
        return {"ok": True, "members": seen}


async def test_a_lookup_started_before_an_invitation_is_not_remembered_after_it():
    access = ConversationAccess()
    client = SlowMembers(["U0ADMIN"])
    before = asyncio.create_task(access.channels_of(client, "T1", "U0MEMBER", ["C1"]))
    await asyncio.sleep(0)
    client.members.append("U0MEMBER")  # invited meanwhile; the invitation forgets what was known
    access.forget("T1")
    client.release.set()
    assert await before == set()  # that lookup read the channel before the invitation

    assert await access.channels_of(client, "T1", "U0MEMBER", ["C1"]) == {"C1"}
    assert client.calls == 2


async def test_members_are_remembered_between_lookups():
    access = ConversationAccess()
    client = SlowMembers(["U0ADMIN"])
    client.release.set()
    assert await access.channels_of(client, "T1", "U0ADMIN", ["C1"]) == {"C1"}
    assert await access.channels_of(client, "T1", "U0MEMBER", ["C1"]) == set()
    assert client.calls == 1
