"""The Home tab's Refresh templates button: managers of an account have its templates read from Meta now.

The press is checked again here (a payload can be forged; the button's absence proves nothing), and the
outcome is a notice on the presser's Home tab.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from bot import template_wording, wording
from bot.home import ACTION_REFRESH_TEMPLATES, action_key, action_pattern, page_of
from bot.listeners import BotParts
from bot.permissions import may_manage
from relay.onboarding.manage import NotFoundInWorkspace, account_of_team
from relay.templates.sync import refresh

log = logging.getLogger("waslack.slack")


async def refresh_templates(
    parts: BotParts, client: AsyncWebClient, *, team_id: str, user_id: str, account_key: str
) -> str:
    """Read the account's templates from Meta if ``user_id`` may manage it; the notice says how it went."""
    try:
        account = await account_of_team(parts.services, team_id, int(account_key)) if account_key.isdigit() else None
    except NotFoundInWorkspace:
        account = None
    if account is None or account.id is None:
        return wording.NOTICE_NOT_FOUND
    is_admin = await parts.roles.is_admin(client, team_id, user_id)
    if not may_manage(user_id=user_id, is_admin=is_admin, connected_by=account.connected_by_user_id):
        log.warning("refused: %s may not refresh the templates of account %s in %s", user_id, account.id, team_id)
        return template_wording.NOTICE_TEMPLATES_NOT_ALLOWED
    outcome = await refresh(parts.services, account.id, force=True)
    if outcome.skipped:
        return template_wording.NOTICE_TEMPLATES_BUSY
    if not outcome.ok:
        return template_wording.notice_templates_failed(outcome.problem)
    if outcome.changed:
        await parts.publisher.publish_for_viewers(team_id)  # everyone sees the new list
    return template_wording.notice_templates_refreshed(outcome.count, outcome.approved)


def register(app: AsyncApp, parts: BotParts) -> None:
    @app.action(action_pattern(ACTION_REFRESH_TEMPLATES))
    async def refresh_pressed(
        ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext, client: AsyncWebClient
    ) -> None:
        await ack()
        if not (context.team_id and context.user_id):
            return
        try:
            notice = await refresh_templates(
                parts, client, team_id=context.team_id, user_id=context.user_id,
                account_key=action_key(str(body["actions"][0].get("action_id", ""))),
            )
        except Exception:
            log.exception("refreshing templates in %s failed", context.team_id)
            notice = wording.NOTICE_FAILED
        await parts.publisher.publish(
            client, context.team_id, context.user_id, page=page_of(body.get("view")), notice=notice
        )
