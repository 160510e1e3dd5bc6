"""A running stack with one connected number, a recruiter who submits /template sends through the relay's
``TemplateSender`` (what the modal calls), the Meta simulator as the candidates and Slack as the recruiters."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from sqlmodel import col

from relay.template_sends.request import Recipient, SubmitResult, TemplateSendRequest
from sandbox.stack import running_stack
from storage.messaging_models import Conversation, MirroredMessage
from storage.template_send_models import TemplateSendRecipient
from tests.outbound.conftest import CANDIDATE, Outbound, eventually

NEW_NUMBER = "4915112345678"
HELLO_PREVIEW = "*Hello World*\nWelcome and congratulations!!"


class Templates(Outbound):
    """The outbound driver, plus the /template side: requests, rows, the channel's messages."""

    def request(self, *recipients: Recipient, key: str = "view:V1", name: str = "hello_world",
                language: str = "en_US", category: str = "UTILITY", components: tuple = (),
                preview: str = HELLO_PREVIEW) -> TemplateSendRequest:
        return TemplateSendRequest(
            team_id=self.stack.workspace.team_id, slack_user_id=self.recruiter, phone_number_id=self.phone_number_id,
            template_name=name, language=language, category=category, components=components, preview_text=preview,
            recipients=recipients, idempotency_key=key)

    async def submit(self, request: TemplateSendRequest) -> SubmitResult:
        return await self.stack.relay.template_sender.submit(request)

    async def recipients(self) -> list[TemplateSendRecipient]:
        async with self.stack.services.database.session() as session:
            return list((await session.execute(select(TemplateSendRecipient).order_by(
                col(TemplateSendRecipient.id)))).scalars().all())

    async def settled(self, count: int = 1, within: float = 30.0) -> list[TemplateSendRecipient]:  # type: ignore[override]
        async def closed() -> list[TemplateSendRecipient] | None:
            rows = await self.recipients()
            return rows if len(rows) >= count and all(r.state not in ("pending", "sending") for r in rows) else None
        return await eventually(closed, within=within, what=f"{count} template recipients settled")

    async def channel_messages(self) -> list[dict]:
        response = await self.stack.http.get(f"{self.stack.slack_sim_url}/_sim/slack/messages",
                                             params={"channel": self.channel_id})
        response.raise_for_status()
        return list(response.json())

    async def in_thread(self, thread_ts: str, text: str, within: float = 20.0) -> dict:
        async def found() -> dict | None:
            return next((m for m in await self.channel_messages()
                         if m.get("thread_ts") == thread_ts and m.get("ts") != thread_ts
                         and text in m.get("text", "")), None)
        return await eventually(found, within=within, what=f"{text!r} in the thread")

    async def in_channel(self, text: str, within: float = 30.0) -> dict:
        async def found() -> dict | None:
            return next((m for m in await self.channel_messages()
                         if not m.get("thread_ts") and text in m.get("text", "")), None)
        return await eventually(found, within=within, what=f"{text!r} in the channel")

    async def message(self, wamid: str) -> MirroredMessage | None:
        async with self.stack.services.database.session() as session:
            return (await session.execute(select(MirroredMessage).where(
                col(MirroredMessage.wamid) == wamid))).scalars().first()

    async def conversations(self) -> list[Conversation]:
        async with self.stack.services.database.session() as session:
            return list((await session.execute(select(Conversation))).scalars().all())

    async def refused_by_meta(self) -> dict[str, int]:
        response = await self.stack.http.get(f"{self.stack.meta_sim_url}/_sim/meta/messages")
        return dict(response.json()["refused"])

    async def meta(self, path: str, **body: Any) -> dict:
        response = await self.stack.http.post(f"{self.stack.meta_sim_url}/_sim/meta/{path}", json=body)
        assert response.status_code == 200, response.text
        return dict(response.json())


@pytest.fixture
async def templates(database_url):  # type: ignore[no-untyped-def]
    async with running_stack(database_url=database_url) as stack:
        connected = await stack.connect_number()
        assert connected["status"] == "connected", connected
        yield Templates(stack, connected)


__all__ = ["CANDIDATE", "NEW_NUMBER", "eventually"]
