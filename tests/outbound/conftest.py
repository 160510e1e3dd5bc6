"""A running stack with one connected number and one candidate who wrote, and a recruiter who answers in the
candidate's thread through signed Slack message events."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
from sqlalchemy import select
from sqlmodel import col

from sandbox.stack import running_stack
from storage.messaging_models import Conversation
from storage.outbound_models import WhatsAppOutboxItem

CANDIDATE = "447700900123"


class Outbound:
    """The candidate on the Meta simulator, the recruiter on the Slack simulator, and what each one sees."""

    def __init__(self, stack, connected):  # type: ignore[no-untyped-def]
        self.stack = stack
        self.phone_number_id = connected["numbers"][0]["phone_number_id"]
        self.channel_id = connected["numbers"][0]["channel_id"]
        self.waba_id = connected["waba_id"]
        self.recruiter = stack.workspace.admin_user_id
        self.thread_ts: str | None = None

    async def candidate_writes(self, text: str = "Hello, is the job still open?", **body: Any) -> dict:
        body.setdefault("from", CANDIDATE)
        body.update({"phone_number_id": self.phone_number_id, "type": body.get("type", "text"), "text": text,
                     "wait": True})
        response = await self.stack.http.post(f"{self.stack.meta_sim_url}/_sim/meta/inbound", json=body)
        assert response.status_code == 200, response.text
        return response.json()

    async def open_thread(self, key: str = CANDIDATE) -> str:
        """Wait until the candidate's thread exists in Slack; its parent ts."""
        async def parent() -> str | None:
            conversation = await self.conversation(key)
            return conversation.thread_ts if conversation else None
        self.thread_ts = await eventually(parent, what="the candidate's thread")
        return self.thread_ts

    async def conversation(self, key: str = CANDIDATE) -> Conversation | None:
        async with self.stack.services.database.session() as session:
            return (await session.execute(select(Conversation).where(
                col(Conversation.candidate_key) == key))).scalars().first()

    def next_ts(self) -> str:
        return self.stack.slack.ts.next()

    async def reply(self, text: str = "", *, thread_ts: str | None = None, user: str | None = None,
                    **event: Any) -> dict:
        """The recruiter's message in the thread, delivered by Slack (``event`` adds or overrides fields)."""
        message = {"type": "message", "channel": self.channel_id, "user": user or self.recruiter, "text": text,
                   "ts": self.next_ts(), "thread_ts": thread_ts or self.thread_ts}
        message.update(event)
        delivery = await self.event(message)
        delivery["ts"] = message["ts"]
        return delivery

    async def event(self, message: dict, **options: Any) -> dict:
        delivery = await self.stack.slack_event(kind="event", event=message, **options)
        assert delivery["status"] == 200, delivery
        return delivery

    async def sent(self) -> list[dict]:
        """Every message the Meta simulator accepted from our number, oldest first."""
        response = await self.stack.http.get(f"{self.stack.meta_sim_url}/_sim/meta/messages",
                                             params={"phone_number_id": self.phone_number_id})
        response.raise_for_status()
        return list(response.json()["data"])

    async def wait_sent(self, count: int, within: float = 15.0) -> list[dict]:
        return await eventually(lambda: self._at_least(count), within=within, what=f"{count} sent messages")

    async def _at_least(self, count: int) -> list[dict] | None:
        sent = await self.sent()
        return sent if len(sent) >= count else None

    async def rows(self) -> list[WhatsAppOutboxItem]:
        async with self.stack.services.database.session() as session:
            return list((await session.execute(select(WhatsAppOutboxItem).order_by(
                col(WhatsAppOutboxItem.id)))).scalars().all())

    async def settled(self, count: int = 1, within: float = 15.0) -> list[WhatsAppOutboxItem]:
        """Wait until ``count`` replies are recorded and none is still open."""
        async def closed() -> list[WhatsAppOutboxItem] | None:
            rows = await self.rows()
            done = len(rows) >= count and all(r.state not in ("pending", "reconciling", "tell_window")
                                              for r in rows)
            return rows if done else None
        return await eventually(closed, within=within, what=f"{count} replies settled")

    async def thread_messages(self) -> list[dict]:
        response = await self.stack.http.get(f"{self.stack.slack_sim_url}/_sim/slack/messages",
                                             params={"channel": self.channel_id})
        response.raise_for_status()
        return [m for m in response.json() if m.get("thread_ts") == self.thread_ts]

    async def meta_reports(self, **status: Any) -> None:
        """Meta's status webhook for one of our messages, as Meta would sign and send it."""
        status.setdefault("timestamp", str(int(time.time())))
        status.setdefault("recipient_id", CANDIDATE)
        value = {"messaging_product": "whatsapp", "statuses": [status],
                 "metadata": {"display_phone_number": "15550000000", "phone_number_id": self.phone_number_id}}
        payload = {"object": "whatsapp_business_account",
                   "entry": [{"id": self.waba_id, "changes": [{"field": "messages", "value": value}]}]}
        response = await self.stack.http.post(f"{self.stack.meta_sim_url}/_sim/meta/inbound", json={"raw": payload})
        assert response.status_code == 200, response.text

    async def meta_fault(self, **fault: Any) -> None:
        fault.setdefault("endpoint", "messages")
        response = await self.stack.http.post(f"{self.stack.meta_sim_url}/_sim/meta/faults", json=fault)
        assert response.status_code == 200, response.text


async def eventually(check, within: float = 15.0, what: str = "condition"):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + within
    while True:
        result = check()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


@pytest.fixture
async def outbound(database_url):  # type: ignore[no-untyped-def]
    async with running_stack(database_url=database_url) as stack:
        connected = await stack.connect_number()
        assert connected["status"] == "connected", connected
        driver = Outbound(stack, connected)
        await driver.candidate_writes()
        await driver.open_thread()
        yield driver
