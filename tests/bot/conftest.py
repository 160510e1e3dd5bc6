"""The whole stack (relay + Meta and Slack simulators on localhost) and a driver that acts like Slack's
client: people open the Home tab, press buttons and pick channels; Slack signs and delivers each request
to the relay.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from sandbox.stack import running_stack


async def eventually(check: Callable[[], Any], within: float = 10.0, what: str = "condition") -> Any:
    """Poll ``check`` (sync or async) until it returns something truthy; Bolt works after it acks."""
    deadline = time.monotonic() + within
    while True:
        result = check()
        if isinstance(result, Awaitable):
            result = await result
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


def view_text(view: dict[str, Any]) -> str:
    """All text a person can read in a view's blocks."""
    parts: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("text"), str):
                parts.append(node["text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(view.get("blocks", []))
    return "\n".join(parts)


def controls(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every interactive element of a view by action_id, with the block it sits in."""
    found = {}
    for block in view.get("blocks", []):
        elements = list(block.get("elements", []))
        if "accessory" in block:
            elements.append(block["accessory"])
        for element in elements:
            if "action_id" in element:
                found[element["action_id"]] = {**element, "block_id": block.get("block_id")}
    return found


def link_token(url: str) -> str:
    return parse_qs(urlsplit(url).query)["token"][0]


class SlackDriver:
    """What people do in the Slack client, turned into the signed requests Slack sends the relay."""

    _ts = itertools.count(1)

    def __init__(self, stack: Any):
        self.stack = stack
        self.ws = stack.workspace
        self.team_id = stack.workspace.team_id

    def publishes(self, user_id: str) -> list[dict[str, Any]]:
        return [
            c
            for c in self.stack.slack.calls("views.publish")
            if c["args"].get("user_id") == user_id and c["response"].get("ok")
        ]

    def home(self, user_id: str) -> dict[str, Any]:
        view = self.stack.slack.latest_home_view(self.team_id, user_id)
        assert view is not None, f"no Home tab published for {user_id}"
        return view

    async def next_home(self, user_id: str, before: int, what: str = "a Home tab publish") -> dict[str, Any]:
        await eventually(lambda: len(self.publishes(user_id)) > before, what=what)
        return self.home(user_id)

    async def open_home(self, user_id: str) -> dict[str, Any]:
        before = len(self.publishes(user_id))
        delivery = await self.event({"type": "app_home_opened", "user": user_id, "tab": "home"})
        assert delivery["status"] == 200, delivery
        return await self.next_home(user_id, before, f"{user_id}'s Home tab")

    async def event(self, event: dict[str, Any], **extra: Any) -> dict[str, Any]:
        return await self.stack.slack_event(kind="event", event=event, **extra)

    async def act(
        self, user_id: str, action: dict[str, Any], view: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """A block_actions payload from ``user_id``'s Home tab."""
        view = view or self.home(user_id)
        payload = {
            "type": "block_actions",
            "user": {"id": user_id},
            "container": {"type": "view", "view_id": view["id"]},
            "view": {"id": view["id"]},
            "actions": [{**action, "action_ts": f"{time.time():.6f}"}],
        }
        delivery = await self.stack.slack_event(kind="interactivity", payload=payload)
        assert delivery["status"] == 200 and not delivery["slack_would_retry"], delivery
        return delivery

    async def press(
        self, user_id: str, action_id: str, *, value: str | None = None, block_id: str = "account"
    ) -> dict[str, Any]:
        """Press a button (forged when the person's Home tab does not show it)."""
        action = {
            "type": "button",
            "action_id": action_id,
            "block_id": block_id,
            "text": {"type": "plain_text", "text": "button"},
        }
        if value is not None:
            action["value"] = value
        return await self.act(user_id, action)

    async def claim(
        self, connect_url: str, grant: dict[str, Any] | None = None
    ) -> tuple[int, dict[str, Any]]:
        """Finish Embedded Signup on the connect page behind ``connect_url`` (a new WABA unless ``grant``)."""
        page = await self.stack.http.get(connect_url)
        if grant is None:
            signup = await self.stack.http.post(
                f"{self.stack.meta_sim_url}/_sim/meta/signup", json={"numbers": 1, "payment_method": True}
            )
            grant = signup.json()
        answer = await self.stack.http.post(
            f"{self.stack.relay_url}/connect/complete",
            json={
                "token": link_token(connect_url),
                "code": grant["code"],
                "session_info": grant["session_info"],
            },
        )
        assert page.status_code in (200, 410), page.status_code
        return answer.status_code, answer.json()

    async def choose_channel(self, user_id: str, phone_number_id: str, channel_id: str) -> dict[str, Any]:
        return await self.act(
            user_id,
            {
                "type": "conversations_select",
                "action_id": f"move_number:{phone_number_id}",
                "block_id": f"number:{phone_number_id}",
                "selected_conversation": channel_id,
            },
        )


@pytest.fixture
async def stack(database_url):
    async with running_stack(database_url=database_url) as running:
        yield running


@pytest.fixture
def slack(stack) -> SlackDriver:
    return SlackDriver(stack)
