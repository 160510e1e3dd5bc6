"""The Home tab's Webhook inspector button: workspace admins see the latest webhooks for their numbers."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from bot.home_state import ACTION_INSPECTOR
from bot.inspector import belongs_to, inspector_view
from bot.listeners import BotParts
from storage.repositories.inbox import InboxRepository

SCANNED = 500  # the newest webhooks of the whole deployment, filtered down to the workspace's


def register(app: AsyncApp, parts: BotParts) -> None:
    services, roles, publisher = parts.services, parts.roles, parts.publisher

    @app.action(ACTION_INSPECTOR)
    async def open_inspector(ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext,
                             client: AsyncWebClient) -> None:
        await ack()
        team_id, user_id = context.team_id, context.user_id
        if not team_id or not user_id or not await roles.is_admin(client, team_id, user_id):
            return  # the button is only shown to admins; a forged action gets nothing
        records = await publisher.records(team_id)
        numbers = {n.phone_number_id: n.display_phone_number or n.phone_number_id
                   for r in records for n in r.numbers}
        wabas = {r.account.waba_id for r in records}
        async with services.database.session() as session:
            rows = await InboxRepository(session).recent(SCANNED)
        mine = [row for row in rows if belongs_to(row, set(numbers), wabas)]
        await client.views_open(trigger_id=body["trigger_id"], view=inspector_view(mine, numbers))
