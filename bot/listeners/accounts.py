"""Managing a connected number from the Home tab: its channel (conversations select), inviting teammates to
that channel (users multi-select), and disconnect.

Every action re-checks who is asking: a payload can be forged, the buttons' absence proves nothing.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from bot import wording
from bot.channels import ChannelAccess, invite_people, make_ready
from bot.home import (
    ACTION_CHECK_NUMBER,
    ACTION_DISCONNECT,
    ACTION_INVITE,
    ACTION_MOVE_NUMBER,
    MAX_INVITES,
    action_key,
    action_pattern,
    page_of,
)
from bot.listeners import BotParts
from bot.permissions import may_manage
from relay.onboarding.health import HealthCheckFailed, check_number_health
from relay.onboarding.manage import NotFoundInWorkspace, disconnect_account, move_number
from storage.models import WhatsAppAccount
from storage.repositories import AccountRepository, TenantRepository

log = logging.getLogger("waslack.slack")


async def _account_in_team(
    parts: BotParts, team_id: str, *, account_id: int | None = None, phone_number_id: str | None = None
) -> WhatsAppAccount | None:
    """The account (by id, or owning the number) if it belongs to this workspace."""
    async with parts.services.database.session() as session:
        accounts = AccountRepository(session, parts.services.cipher)
        tenant = await TenantRepository(session).get(team_id)
        if phone_number_id is not None:
            number = await accounts.number_by_phone_number_id(phone_number_id)
            account_id = number.account_id if number else None
        account = await accounts.get(account_id) if account_id is not None else None
    if tenant is None or account is None or account.tenant_id != tenant.id:
        return None
    return account


async def _refusal(
    parts: BotParts, client: AsyncWebClient, team_id: str, user_id: str, account: WhatsAppAccount | None
) -> str | None:
    """The notice to show instead of acting, or None when ``user_id`` may change ``account``."""
    if account is None:
        return wording.NOTICE_NOT_FOUND
    is_admin = await parts.roles.is_admin(client, team_id, user_id)
    if not may_manage(user_id=user_id, is_admin=is_admin, connected_by=account.connected_by_user_id):
        log.warning("refused: %s may not change account %s in %s", user_id, account.id, team_id)
        return wording.NOTICE_NOT_ALLOWED
    return None


async def change_channel(
    parts: BotParts,
    client: AsyncWebClient,
    *,
    team_id: str,
    user_id: str,
    phone_number_id: str,
    channel_id: str | None,
) -> str | None:
    """Move a number's conversations to ``channel_id``; returns a notice for the person, or None when done."""
    account = await _account_in_team(parts, team_id, phone_number_id=phone_number_id)
    refusal = await _refusal(parts, client, team_id, user_id, account)
    if refusal is not None:
        return refusal
    if not channel_id:
        return None
    access = await make_ready(client, channel_id)
    if access == ChannelAccess.INVITE_NEEDED:
        return wording.notice_invite_needed(channel_id)
    if access == ChannelAccess.UNAVAILABLE:
        return wording.notice_channel_unavailable(channel_id)
    try:
        await move_number(
            parts.services,
            team_id=team_id,
            phone_number_id=phone_number_id,
            channel_id=channel_id,
            actor=user_id,
        )
    except NotFoundInWorkspace:
        return wording.NOTICE_NOT_FOUND
    return None


async def invite_teammates(
    parts: BotParts,
    client: AsyncWebClient,
    *,
    team_id: str,
    user_id: str,
    phone_number_id: str,
    user_ids: list[str],
) -> str:
    """Invite ``user_ids`` to the number's channel (as stored, never as the payload says); the notice says
    what happened to each person."""
    account = await _account_in_team(parts, team_id, phone_number_id=phone_number_id)
    refusal = await _refusal(parts, client, team_id, user_id, account)
    if refusal is not None:
        return refusal
    async with parts.services.database.session() as session:
        number = await AccountRepository(session, parts.services.cipher).number_by_phone_number_id(phone_number_id)
    channel_id = number.slack_channel_id if number else None
    if channel_id is None:
        return wording.NOTICE_NO_CHANNEL_TO_INVITE
    outcome = await invite_people(client, channel_id, user_ids[:MAX_INVITES])
    if outcome.channel_error is not None and not (outcome.invited or outcome.already_in):
        return wording.notice_invite_refused(channel_id, outcome.channel_error)
    log.info("invited %d people to %s for %s in %s", len(outcome.invited), channel_id, user_id, team_id)
    parts.publisher.access.forget(team_id)  # the new members see the channel's conversations at once
    return wording.notice_invited(channel_id, list(outcome.invited), list(outcome.already_in),
                                  list(outcome.failed))


async def check_again(
    parts: BotParts, client: AsyncWebClient, *, team_id: str, user_id: str, phone_number_id: str
) -> str:
    """Ask Meta again whether the number can send; the notice says what Meta answered."""
    account = await _account_in_team(parts, team_id, phone_number_id=phone_number_id)
    refusal = await _refusal(parts, client, team_id, user_id, account)
    if refusal is not None:
        return refusal
    try:
        checked = await check_number_health(parts.services, team_id=team_id, phone_number_id=phone_number_id)
    except HealthCheckFailed as exc:
        return wording.NOTICE_CHECK_FAILED.get(exc.reason, wording.NOTICE_NOT_FOUND)
    return wording.NOTICE_CHECKED[checked.sending.value]


async def disconnect(
    parts: BotParts, client: AsyncWebClient, *, team_id: str, user_id: str, value: str
) -> str | None:
    """Disconnect the account named by the button's value; returns a notice, or None when done."""
    account = await _account_in_team(parts, team_id, account_id=int(value)) if value.isdigit() else None
    refusal = await _refusal(parts, client, team_id, user_id, account)
    if refusal is not None or account is None:
        return refusal
    try:
        await disconnect_account(parts.services, team_id=team_id, account_id=account.id or 0, actor=user_id)
    except NotFoundInWorkspace:
        return wording.NOTICE_NOT_FOUND
    return None


def register(app: AsyncApp, parts: BotParts) -> None:
    async def answer(
        client: AsyncWebClient, body: dict[str, Any], context: AsyncBoltContext, notice: str | None
    ) -> None:
        if notice is not None and context.team_id and context.user_id:
            view = body.get("view")
            await parts.publisher.publish(client, context.team_id, context.user_id, page=page_of(view),
                                          notice=notice, conversations_page=page_of(view, "conversations_page"))

    @app.action(action_pattern(ACTION_MOVE_NUMBER))
    async def channel_chosen(
        ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext, client: AsyncWebClient
    ) -> None:
        await ack()
        action = body["actions"][0]
        phone_number_id = action_key(str(action.get("action_id", "")))
        if not (context.team_id and context.user_id and phone_number_id):
            return
        try:
            notice = await change_channel(
                parts,
                client,
                team_id=context.team_id,
                user_id=context.user_id,
                phone_number_id=phone_number_id,
                channel_id=action.get("selected_conversation"),
            )
        except Exception:
            log.exception("changing a number's channel in %s failed", context.team_id)
            notice = wording.NOTICE_FAILED
        await answer(client, body, context, notice)

    @app.action(action_pattern(ACTION_INVITE))
    async def teammates_chosen(
        ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext, client: AsyncWebClient
    ) -> None:
        await ack()
        action = body["actions"][0]
        phone_number_id = action_key(str(action.get("action_id", "")))
        chosen = [u for u in action.get("selected_users") or [] if isinstance(u, str)]
        if not (context.team_id and context.user_id and phone_number_id and chosen):
            return  # a menu emptied by hand: nothing to do
        try:
            notice = await invite_teammates(
                parts,
                client,
                team_id=context.team_id,
                user_id=context.user_id,
                phone_number_id=phone_number_id,
                user_ids=chosen,
            )
        except Exception:
            log.exception("inviting teammates in %s failed", context.team_id)
            notice = wording.NOTICE_FAILED
        await answer(client, body, context, notice)  # re-publishing also empties the menu

    @app.action(action_pattern(ACTION_CHECK_NUMBER))
    async def check_pressed(
        ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext, client: AsyncWebClient
    ) -> None:
        await ack()
        phone_number_id = action_key(str(body["actions"][0].get("action_id", "")))
        if not (context.team_id and context.user_id and phone_number_id):
            return
        try:
            notice = await check_again(
                parts, client, team_id=context.team_id, user_id=context.user_id, phone_number_id=phone_number_id
            )
        except Exception:
            log.exception("checking a number's health in %s failed", context.team_id)
            notice = wording.NOTICE_FAILED
        await answer(client, body, context, notice)

    @app.action(action_pattern(ACTION_DISCONNECT))
    async def disconnect_pressed(
        ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext, client: AsyncWebClient
    ) -> None:
        await ack()
        if not (context.team_id and context.user_id):
            return
        try:
            notice = await disconnect(
                parts,
                client,
                team_id=context.team_id,
                user_id=context.user_id,
                value=action_key(str(body["actions"][0].get("action_id", ""))),
            )
        except Exception:
            log.exception("disconnecting an account in %s failed", context.team_id)
            notice = wording.NOTICE_FAILED
        await answer(client, body, context, notice)
