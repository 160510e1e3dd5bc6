"""Home tab listeners: publish on app_home_opened, turn the numbers' and the conversations' pages, acknowledge
the link buttons."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from bot.home import ACTION_CONNECT, ACTION_RECONNECT, action_pattern, page_of
from bot.home_state import ACTION_CONVERSATIONS_NEWER, ACTION_CONVERSATIONS_OLDER, ACTION_OPEN_THREAD
from bot.listeners import BotParts
from storage.repositories import HomeViewerRepository

PAGE_ACTIONS = re.compile(r"^home_page_(previous|next)$")
CONVERSATION_PAGE_ACTIONS = re.compile(
    rf"^({re.escape(ACTION_CONVERSATIONS_NEWER)}|{re.escape(ACTION_CONVERSATIONS_OLDER)})$")


def _page_value(body: dict[str, Any]) -> int:
    value = str(body["actions"][0].get("value", "0"))
    return int(value) if value.isdigit() else 0


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
        if context.team_id and context.user_id:  # Recent conversations stay on their page
            await publisher.publish(client, context.team_id, context.user_id, page=_page_value(body),
                                    conversations_page=page_of(body.get("view"), "conversations_page"))

    @app.action(CONVERSATION_PAGE_ACTIONS)
    async def turn_conversation_page(
        ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext, client: AsyncWebClient
    ) -> None:
        await ack()
        if context.team_id and context.user_id:  # the numbers stay on their page
            await publisher.publish(client, context.team_id, context.user_id, page=page_of(body.get("view")),
                                    conversations_page=_page_value(body))

    async def link_opened(ack: AsyncAck) -> None:
        """URL buttons still send block_actions; Slack shows an error unless they are acknowledged."""
        await ack()

    app.action(ACTION_CONNECT)(link_opened)
    app.action(action_pattern(ACTION_RECONNECT))(link_opened)
    app.action(action_pattern(ACTION_OPEN_THREAD))(link_opened)
