"""A running stack (relay + Meta and Slack simulators) with one connected number, for inbound tests."""

from __future__ import annotations

import asyncio
import time

import pytest

from sandbox.stack import running_stack


class Inbound:
    """Drive candidates through the Meta simulator and read what Slack shows."""

    def __init__(self, stack, connected):  # type: ignore[no-untyped-def]
        self.stack = stack
        self.number = connected["numbers"][0]
        self.phone_number_id = self.number["phone_number_id"]
        self.channel_id = self.number["channel_id"]
        self.waba_id = connected["waba_id"]
        self.display_phone_number = self.number.get("display_phone_number")

    async def candidate_writes(self, **body) -> dict:  # type: ignore[no-untyped-def]
        body.setdefault("phone_number_id", self.phone_number_id)
        body.setdefault("type", "text")
        response = await self.stack.http.post(f"{self.stack.meta_sim_url}/_sim/meta/inbound", json=body)
        assert response.status_code == 200, response.text
        return response.json()

    async def post_raw(self, payload: dict) -> dict:
        response = await self.stack.http.post(f"{self.stack.meta_sim_url}/_sim/meta/inbound", json={"raw": payload})
        assert response.status_code == 200, response.text
        return response.json()

    async def channel_messages(self) -> list[dict]:
        response = await self.stack.http.get(f"{self.stack.slack_sim_url}/_sim/slack/messages",
                                             params={"channel": self.channel_id})
        response.raise_for_status()
        return list(response.json())

    async def wait_for(self, predicate, within: float = 15.0):  # type: ignore[no-untyped-def]
        """Poll the channel until ``predicate(messages)`` is truthy; fail with what Slack shows."""
        deadline = time.monotonic() + within
        messages: list[dict] = []
        while time.monotonic() < deadline:
            messages = await self.channel_messages()
            if predicate(messages):
                return messages
            await asyncio.sleep(0.05)
        raise AssertionError(f"Slack never showed it; the channel holds {messages!r}")


@pytest.fixture
async def inbound(database_url):  # type: ignore[no-untyped-def]
    async with running_stack(database_url=database_url) as stack:
        from storage.migrate import upgrade  # noqa: F401  (the stack migrated the database already)

        connected = await stack.connect_number()
        assert connected["status"] == "connected", connected
        yield Inbound(stack, connected)
