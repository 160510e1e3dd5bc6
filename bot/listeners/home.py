"""Home tab listeners: publish on app_home_opened, turn pages, acknowledge the link buttons."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from bot.home import ACTION_CONNECT, ACTION_RECONNECT, action_pattern
from bot.listeners import BotParts
from storage.repositories import HomeViewerRepository

PAGE_ACTIONS = re.compile(r"^home_page_(previous|next)$")


def register(app: AsyncApp, parts: BotParts) -> None:
    services, publisher = parts.services, parts.publisher

    @app.event("app_home_opened")
    async def home_opened(event: dict[str, Any], context: AsyncBoltContext, client: AsyncWebClient) -> None:
        if event.get("tab", "home") != "home" or not context.team_id or not event.get("user"):
            return  # the Messages tab fires this event too
        async with services.database.session() as session:
            await HomeViewerRepository(session).remember(context.team_id, event["user"])
            await session.commit()
        await publisher.publish(client, context.team_id, event["user"])

    @app.action(PAGE_ACTIONS)
    async def turn_page(
        ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext, client: AsyncWebClient
    ) -> None:
        await ack()
        value = str(body["actions"][0].get("value", "0"))
        page = int(value) if value.isdigit() else 0
        if context.team_id and context.user_id:
            await publisher.publish(client, context.team_id, context.user_id, page=page)

    async def link_opened(ack: AsyncAck) -> None:
        """URL buttons still send block_actions; Slack shows an error unless they are acknowledged."""
        await ack()

    app.action(ACTION_CONNECT)(link_opened)
    app.action(action_pattern(ACTION_RECONNECT))(link_opened)
