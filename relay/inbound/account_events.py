"""Webhook fields about the business rather than one candidate (reference 3.8): account_update, number quality
and name decisions, template status, marketing preferences, messages sent from the WhatsApp Business app,
calls, history. Each handler updates what it concerns, tells the number's channel, and marks the workspace's
Home tab for a refresh; fields we only record are acknowledged with a note for the inspector.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from sqlmodel import col, select

from bot import event_wording
from bot.inbound_rendering import RenderContext, render_inbound, summary_text
from bot.slack_writes import ChannelNotice, ParentRefresh, SlackWrite, ThreadPost
from storage.messaging_models import Conversation, MessageDirection
from storage.models import AccountStatus, PhoneNumber, Tenant, WhatsAppAccount, utcnow
from storage.repositories.conversations import NumberRoute
from storage.repositories.templates import TemplateRepository
from whatsapp.webhook_models import Change

if TYPE_CHECKING:
    from relay.inbound.processing import WebhookProcessor

DISCONNECTING = {"PARTNER_REMOVED", "PARTNER_APP_UNINSTALLED", "ACCOUNT_DELETED", "ACCOUNT_OFFBOARDED"}
RESTRICTING = {"DISABLED_UPDATE", "ACCOUNT_RESTRICTION", "ACCOUNT_VIOLATION"}


async def _accounts(p: WebhookProcessor, waba_id: str | None) -> list[tuple[WhatsAppAccount, Tenant]]:
    if not waba_id:
        return []
    query = (select(WhatsAppAccount, Tenant).join(Tenant, col(Tenant.id) == col(WhatsAppAccount.tenant_id))
             .where(col(WhatsAppAccount.waba_id) == waba_id))
    return [(a, t) for a, t in (await p.session.execute(query)).all()]


async def _live_numbers(p: WebhookProcessor, account: WhatsAppAccount) -> list[PhoneNumber]:
    query = select(PhoneNumber).where(col(PhoneNumber.account_id) == account.id,
                                      col(PhoneNumber.released_at).is_(None))
    return list((await p.session.execute(query)).scalars().all())


async def _tell_channels(p: WebhookProcessor, team_id: str, numbers: list[PhoneNumber], key: str, text: str) -> None:
    for number in numbers:
        if number.slack_channel_id and number.id is not None:
            added = await p.outbox.add(
                dedupe_key=f"{key}:{number.id}", team_id=team_id, lane=f"number:{number.id}",
                kind=ChannelNotice.kind, args={"text": text, "phone_number_row_id": number.id})
            p.outcome.queued += added is not None


async def account_update(p: WebhookProcessor, change: Change) -> None:
    value = change.value
    event = str(value.get("event") or "UNKNOWN")
    waba_info = value.get("waba_info") if isinstance(value.get("waba_info"), dict) else {}
    waba_id = waba_info.get("waba_id") or change.entry_id
    matches = await _accounts(p, str(waba_id) if waba_id else None)
    if not matches and value.get("phone_number"):  # coexistence disconnects name the number, not the WABA
        query = (select(WhatsAppAccount, Tenant)
                 .join(PhoneNumber, col(PhoneNumber.account_id) == col(WhatsAppAccount.id))
                 .join(Tenant, col(Tenant.id) == col(WhatsAppAccount.tenant_id))
                 .where(col(PhoneNumber.display_phone_number) == str(value["phone_number"]),
                        col(PhoneNumber.released_at).is_(None)))
        matches = [(a, t) for a, t in (await p.session.execute(query)).all()]
    if not matches:
        p.outcome.note(f"account_update {event} for an account we do not hold: recorded")
        return
    stamp = f"{change.entry_time.timestamp() if change.entry_time else ''}"
    for account, tenant in matches:
        reason = event_wording.account_event_reason(event, value)
        if event in DISCONNECTING:
            account.status, account.business_token_encrypted = AccountStatus.DISCONNECTED.value, None
            account.status_reason, account.webhooks_subscribed = reason, False
        elif event in RESTRICTING:
            account.status, account.status_reason = AccountStatus.ERROR.value, reason
        elif event == "ACCOUNT_RECONNECTED" and account.business_token_encrypted:
            account.status, account.status_reason = AccountStatus.ACTIVE.value, None
        else:
            p.outcome.note(f"account_update {event}: recorded")
            continue
        account.updated_at = utcnow()
        p.session.add(account)
        p.outcome.changed_teams.add(tenant.slack_team_id)
        p.outcome.note(f"account_update {event}: account {account.waba_id} is now {account.status}")
        text = event_wording.account_event_notice(event, reason, account.name)
        numbers = await _live_numbers(p, account)
        await _tell_channels(p, tenant.slack_team_id, numbers, f"acct:{account.id}:{event}:{stamp}", text)
        if account.connected_by_user_id:
            added = await p.outbox.add(
                dedupe_key=f"acct-dm:{account.id}:{event}:{stamp}", team_id=tenant.slack_team_id,
                lane=f"user:{account.connected_by_user_id}", kind=ChannelNotice.kind,
                args={"text": text, "user_id": account.connected_by_user_id})
            p.outcome.queued += added is not None


async def _number_of(p: WebhookProcessor, change: Change) -> tuple[PhoneNumber, str] | None:
    """The live number a number-level change names (by WABA and display number) and its workspace; noted
    for the inspector when we do not hold it."""
    digits = "".join(ch for ch in str(change.value.get("display_phone_number") or "") if ch.isdigit())
    for account, tenant in await _accounts(p, change.entry_id):
        for number in await _live_numbers(p, account):
            if "".join(ch for ch in (number.display_phone_number or "") if ch.isdigit()) == digits:
                p.outcome.changed_teams.add(tenant.slack_team_id)
                return number, tenant.slack_team_id
    p.outcome.note(f"{change.field} for a number we do not hold: recorded")
    return None


async def number_quality(p: WebhookProcessor, change: Change) -> None:
    if (found := await _number_of(p, change)) is None:
        return
    number, team_id = found
    event = str(change.value.get("event") or "UNKNOWN")
    limit = change.value.get("current_limit")
    await _tell_channels(p, team_id, [number], f"quality:{number.id}:{event}:{limit}",
                         event_wording.quality_notice(event, limit))


async def number_name(p: WebhookProcessor, change: Change) -> None:
    if (found := await _number_of(p, change)) is None:
        return
    number, team_id = found
    decision = str(change.value.get("decision") or "UNKNOWN")
    requested = change.value.get("requested_verified_name")
    if decision == "APPROVED" and isinstance(requested, str) and requested:
        number.verified_name = requested[:255]
        number.updated_at = utcnow()
        p.session.add(number)
    p.outcome.changed_teams.add(team_id)
    text = event_wording.name_notice(decision, requested, change.value.get("rejection_reason"))
    await _tell_channels(p, team_id, [number], f"name:{number.id}:{decision}:{requested}", text)


# a status event and the template status it leaves; other events (UNARCHIVED, ...) need a full read
TEMPLATE_EVENT_STATUS = {
    "APPROVED": "APPROVED", "REINSTATED": "APPROVED", "REJECTED": "REJECTED", "PENDING": "PENDING",
    "PAUSED": "PAUSED", "DISABLED": "DISABLED", "FLAGGED": "FLAGGED", "IN_APPEAL": "IN_APPEAL",
    "ARCHIVED": "ARCHIVED", "DELETED": "DELETED", "PENDING_DELETION": "PENDING_DELETION",
    "LIMIT_EXCEEDED": "LIMIT_EXCEEDED",
}  # fmt: skip


async def _update_cached_template(p: WebhookProcessor, account_id: int, field: str, value: dict[str, Any]) -> str:
    """Apply the webhook's values to the cached row in this transaction; ask for a full read when the row is
    unknown or the change is one only a read can show (components). Returns what was done, for the inspector."""
    templates = TemplateRepository(p.session)
    template_id = value.get("message_template_id")
    row = await templates.find(account_id, str(template_id) if template_id is not None else None,
                               _text(value.get("message_template_name")), _text(value.get("message_template_language")))
    event = str(value.get("event") or "").upper()
    status = TEMPLATE_EVENT_STATUS.get(event) if field == "message_template_status_update" else None
    if row is None or field == "message_template_components_update" or (
            field == "message_template_status_update" and status is None):
        await templates.request_sync(account_id)
        return "full template read requested"
    if status is not None:
        # Meta changes a template's status rarely and said this one changed: the row now, a full read soon
        # (it heals a read that was under way with the old status, and catches what the webhook leaves out)
        await templates.request_sync(account_id)
        row.status = status
        reason = _text(value.get("reason"))
        row.rejected_reason = reason if status == "REJECTED" and reason and reason != "NONE" else None
        row.category = _text(value.get("message_template_category")) or row.category
    elif field == "message_template_quality_update":
        row.quality_score = _text(value.get("new_quality_score")) or row.quality_score
    elif field == "template_category_update":
        row.category = _text(value.get("new_category")) or row.category
    await templates.save(row)
    return f"cached template {row.name} ({row.language}) updated"


def _text(value: object) -> str | None:
    return str(value) if isinstance(value, str | int) and not isinstance(value, bool) and str(value) else None


async def template_update(p: WebhookProcessor, change: Change) -> None:
    value = change.value
    matches = await _accounts(p, change.entry_id)
    if not matches:
        p.outcome.note(f"{change.field} for an account we do not hold: recorded")
        return
    text = event_wording.template_notice(change.field, value)
    for account, tenant in matches:
        assert account.id is not None
        p.outcome.note(f"{change.field}: {await _update_cached_template(p, account.id, change.field, value)}")
        numbers = await _live_numbers(p, account)
        key = (f"tmpl:{account.id}:{change.field}:{value.get('message_template_id')}:{value.get('event')}:"
               f"{value.get('new_category') or value.get('new_quality_score')}")
        await _tell_channels(p, tenant.slack_team_id, numbers, key, text)
        p.outcome.changed_teams.add(tenant.slack_team_id)


async def _conversation_for(p: WebhookProcessor, route: NumberRoute, key: object) -> Conversation | None:
    if not isinstance(key, str) or not key:
        return None
    return await p.conversations.conversation(route.phone_number_row_id, key)


async def user_preferences(p: WebhookProcessor, change: Change) -> None:
    route = await p._route(change.phone_number_id)
    if route is None or not route.relaying:
        p.outcome.note("user_preferences for a number we do not relay: recorded")
        return
    for pref in change.value.get("user_preferences") or []:
        if not isinstance(pref, dict) or pref.get("category") != "marketing_messages":
            continue
        conversation = await _conversation_for(p, route, pref.get("wa_id") or pref.get("user_id"))
        if conversation is None:
            continue
        stopped = pref.get("value") == "stop"
        if conversation.marketing_opt_out == stopped:
            continue
        conversation.marketing_opt_out = stopped
        await p.conversations.save(conversation)
        writes: list[SlackWrite] = [ThreadPost(text=event_wording.preference_notice(stopped), as_candidate=False)]
        if conversation.thread_ts:
            writes.append(ParentRefresh())
        await p._queue(route, conversation, f"pref:{conversation.id}:{pref.get('timestamp')}:{stopped}", writes)


async def business_echoes(p: WebhookProcessor, change: Change) -> None:
    """Messages the business sent from the WhatsApp Business app (coexistence): mirrored as sent from the phone."""
    route = await p._route(change.phone_number_id)
    if route is None or not route.relaying:
        p.outcome.note("smb_message_echoes for a number we do not relay: recorded")
        return
    for echo in change.messages:
        conversation = await _conversation_for(p, route, echo.to)
        if conversation is None:
            continue
        assert conversation.id is not None
        message_id = await p.conversations.add_message(
            wamid=echo.id, conversation_id=conversation.id, direction=MessageDirection.OUTBOUND.value,
            type=echo.type, sent_at=echo.timestamp, text=summary_text(echo), inbox_id=p.inbox_id, status="sent")
        if message_id is None:
            continue
        writes = [_from_phone(w) for w in render_inbound(echo, RenderContext())]
        await p._queue(route, conversation, f"echo:{echo.id}", writes, message_id)


def _from_phone(write: SlackWrite) -> SlackWrite:
    if isinstance(write, ThreadPost):
        return ThreadPost(text=f"📱 _Sent from the WhatsApp Business app:_\n{write.text}", as_candidate=False)
    return write


async def calls(p: WebhookProcessor, change: Change) -> None:
    route = await p._route(change.phone_number_id)
    if route is None or not route.relaying:
        p.outcome.note("calls for a number we do not relay: recorded")
        return
    for call in change.value.get("calls") or []:
        if not isinstance(call, dict) or call.get("event") not in (None, "terminate"):
            continue
        conversation = await _conversation_for(p, route, call.get("from"))
        if conversation is None:
            continue
        text = event_wording.call_notice(call.get("status"), call.get("duration"))
        await p._queue(route, conversation, f"call:{call.get('id')}", [ThreadPost(text=text, as_candidate=False)])


async def history(p: WebhookProcessor, change: Change) -> None:
    chunks: list[Any] = change.value.get("history") or []
    p.outcome.note(f"history: {len(chunks)} chunk(s) stored, not mirrored (past conversations stay in WhatsApp)")


ACCOUNT_FIELD_HANDLERS: dict[str, Callable[[WebhookProcessor, Change], Awaitable[None]]] = {
    "account_update": account_update,
    "phone_number_quality_update": number_quality,
    "phone_number_name_update": number_name,
    "message_template_status_update": template_update,
    "message_template_quality_update": template_update,
    "message_template_components_update": template_update,
    "template_category_update": template_update,
    "user_preferences": user_preferences,
    "smb_message_echoes": business_echoes,
    "calls": calls,
    "history": history,
}
