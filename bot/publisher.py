"""Publishing the Home tab: read the workspace's accounts, decide what each viewer may change, issue a fresh
connect link, build the view (bot.home) and send it with views.publish.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot import conversation_wording, wording
from bot.clients import SlackClients
from bot.conversation_access import ConversationAccess
from bot.home import AccountCard, HomeState, NumberLine, build_home_view, escape
from bot.home_conversations import PAGE_SIZE, thread_url
from bot.home_state import ConversationLine, ConversationShelf, TemplateLine, TemplateShelf
from bot.home_templates import SHOWN_TEMPLATES
from bot.outbox_sender import format_phone
from bot.permissions import WorkspaceRoles, may_manage
from relay.onboarding.health import TOKEN_INVALID_REASON, Sending, sending_of
from relay.services import Services
from storage.models import AccountStatus, PhoneNumber, RegistrationState, WhatsAppAccount, utcnow
from storage.repositories import AccountRepository, HomeViewerRepository
from storage.repositories.conversations import ConversationRepository, RecentConversation
from storage.repositories.templates import TemplateRepository
from storage.template_models import MessageTemplate, TemplateSync

log = logging.getLogger("waslack.slack")


@dataclass(frozen=True)
class AccountRecord:
    account: WhatsAppAccount
    numbers: tuple[PhoneNumber, ...]
    templates: tuple[MessageTemplate, ...] = field(default=())  # cached, APPROVED first
    template_sync: TemplateSync | None = None


# What Meta's health status means on the Home tab: (status, detail) for a number that is limited or blocked
SENDING_LINES = {
    Sending.PAYMENT_MISSING: ("payment_missing", wording.DETAIL_PAYMENT_MISSING),
    Sending.BLOCKED: ("blocked", wording.DETAIL_BLOCKED),
    Sending.LIMITED: ("limited", wording.DETAIL_LIMITED),
}


def _active_line(account: WhatsAppAccount, number: PhoneNumber) -> tuple[str, str | None] | None:
    """(status, detail) of a number in an active account; None for numbers the workspace did not choose."""
    state = number.registration_state
    if state == RegistrationState.FAILED.value:
        return AccountStatus.ERROR.value, wording.DETAIL_REGISTRATION_FAILED
    if not number.enabled:
        return None
    if (sending := SENDING_LINES.get(sending_of(number))) is not None:
        return sending
    if state == RegistrationState.RATE_LIMITED.value:
        return AccountStatus.PENDING.value, wording.DETAIL_REGISTRATION_WAIT
    if state == RegistrationState.PENDING.value:
        return AccountStatus.PENDING.value, wording.DETAIL_REGISTRATION_PENDING
    detail = None if account.webhooks_subscribed else wording.DETAIL_SUBSCRIPTION_PENDING
    return AccountStatus.ACTIVE.value, detail


def number_lines(account: WhatsAppAccount, numbers: tuple[PhoneNumber, ...]) -> tuple[NumberLine, ...]:
    """How each of an account's numbers reads in the Home tab (seed 000 section 7 statuses)."""
    lines: list[NumberLine] = []
    status = account.status
    shown = numbers
    if status in (AccountStatus.DISCONNECTED.value, AccountStatus.ERROR.value):
        shown = tuple(
            n for n in numbers if n.enabled or n.registration_state == RegistrationState.FAILED.value
        )
        shown = shown or numbers
    for number in shown:
        if status == AccountStatus.ACTIVE.value:
            found = _active_line(account, number)
            if found is None:
                continue
            line_status, detail = found
        elif status == AccountStatus.DISCONNECTED.value:
            line_status, detail = status, wording.DETAIL_DISCONNECTED
        elif status == AccountStatus.ERROR.value:
            failed = number.registration_state == RegistrationState.FAILED.value
            line_status = status
            detail = wording.DETAIL_REGISTRATION_FAILED if failed else wording.DETAIL_ACCOUNT_ERROR
            if account.status_reason == TOKEN_INVALID_REASON:
                detail = wording.DETAIL_TOKEN_INVALID
        else:
            line_status = AccountStatus.PENDING.value
            detail = None if number.enabled else wording.DETAIL_CHOOSE_NUMBER
        lines.append(
            NumberLine(
                phone_number_id=number.phone_number_id,
                display_phone_number=number.display_phone_number,
                verified_name=number.verified_name,
                status=line_status,
                quality_rating=number.quality_rating,
                channel_id=number.slack_channel_id,
                connected=number.enabled,
                detail=detail,
                checkable=line_status in ("payment_missing", "blocked", "limited"),
                slack_problem=number.slack_problem,
            )
        )
    return tuple(lines)


def needs_reconnect(account: WhatsAppAccount, numbers: tuple[PhoneNumber, ...]) -> bool:
    """Reconnect only helps a disconnected or failed account, a token Meta no longer honours, or an account
    whose numbers were never chosen."""
    if account.status in (AccountStatus.DISCONNECTED.value, AccountStatus.ERROR.value):
        return True
    if account.business_token_encrypted is None:
        return True
    if account.token_expires_at is not None and account.token_expires_at <= utcnow():
        return True
    return account.status == AccountStatus.PENDING.value and not any(n.enabled for n in numbers)


def template_shelf(record: AccountRecord) -> TemplateShelf | None:
    """The account's templates for its card; None once it is disconnected (nothing can be sent)."""
    if record.account.status == AccountStatus.DISCONNECTED.value:
        return None
    sync = record.template_sync
    problem = None
    if sync is not None and sync.failed_at is not None:
        problem = (sync.error or "").partition(":")[0] or None  # "token_invalid: Meta error 190, trace …"
    return TemplateShelf(
        shown=tuple(TemplateLine(t.name, t.language, t.status, t.category)
                    for t in record.templates[:SHOWN_TEMPLATES]),
        total=len(record.templates),
        approved=sum(t.status == "APPROVED" for t in record.templates),
        synced_at=sync.synced_at if sync else None,
        failed_at=sync.failed_at if sync else None,
        problem=problem,
    )


CUSTOMER_WINDOW = timedelta(hours=24)


def conversation_line(found: RecentConversation, *, team_id: str, team_url: str | None, now: datetime,
                      show_number: bool) -> ConversationLine:
    """How one conversation reads in Recent conversations (names and numbers as on its thread parent)."""
    conversation, number = found.conversation, found.number
    name = conversation.profile_name or conversation.username or conversation_wording.CANDIDATE_UNNAMED
    last_inbound = conversation.last_inbound_at
    open_until = last_inbound + CUSTOMER_WINDOW if last_inbound is not None else None
    url = None
    if conversation.slack_channel_id and conversation.thread_ts:
        url = thread_url(team_url, team_id, conversation.slack_channel_id, conversation.thread_ts)
    via = number.display_phone_number or number.verified_name or number.phone_number_id
    return ConversationLine(
        conversation_id=conversation.id or 0,
        candidate=escape(name),
        phone=format_phone(conversation.wa_id),
        last_activity_at=found.last_activity_at,
        window_open_until=open_until if open_until is not None and open_until > now else None,
        unread=conversation.unread_count,
        thread_url=url,
        via=escape(via) if show_number else None,
    )


def account_cards(records: list[AccountRecord], user_id: str, is_admin: bool) -> tuple[AccountCard, ...]:
    """Cards for one viewer: live accounts first, then disconnected ones; oldest first within each."""
    ordered = sorted(
        records, key=lambda r: (r.account.status == AccountStatus.DISCONNECTED.value, r.account.id or 0)
    )
    return tuple(
        AccountCard(
            account_id=r.account.id or 0,
            status=r.account.status,
            numbers=number_lines(r.account, r.numbers),
            connected_by=r.account.connected_by_user_id,
            connected_at=r.account.connected_at,
            can_manage=may_manage(
                user_id=user_id, is_admin=is_admin, connected_by=r.account.connected_by_user_id
            ),
            needs_reconnect=needs_reconnect(r.account, r.numbers),
            templates=template_shelf(r),
        )
        for r in ordered
    )


class HomePublisher:
    """Publishes one person's Home tab, or every viewer's after a number changed."""

    def __init__(self, services: Services, clients: SlackClients, roles: WorkspaceRoles,
                 access: ConversationAccess | None = None):
        self.services = services
        self.clients = clients
        self.roles = roles
        self.access = access or ConversationAccess()

    async def records(self, team_id: str) -> list[AccountRecord]:
        async with self.services.database.session() as session:
            accounts = AccountRepository(session, self.services.cipher)
            listed = await accounts.list_for_team(team_id)
            numbers = await accounts.numbers_for_accounts(listed)
            ids = [a.id for a in listed if a.id is not None]
            templates = TemplateRepository(session)
            cached, syncs = await templates.for_accounts(ids), await templates.sync_states(ids)
        return [AccountRecord(a, tuple(numbers.get(a.id or 0, [])), tuple(cached.get(a.id or 0, [])),
                              syncs.get(a.id or 0)) for a in listed]

    async def conversations(self, client: AsyncWebClient, team_id: str, user_id: str, page: int,
                            records: list[AccountRecord]) -> ConversationShelf | None:
        """One page of the viewer's Recent conversations; None while the workspace has no number connected."""
        connected = [n for r in records if r.account.status != AccountStatus.DISCONNECTED.value
                     for n in r.numbers if n.enabled and n.released_at is None]
        if not connected:
            return None
        async with self.services.database.session() as session:
            channels = await ConversationRepository(session).conversation_channels(team_id)
        visible = await self.access.channels_of(client, team_id, user_id, channels)
        page = max(page, 0)
        async with self.services.database.session() as session:
            repository = ConversationRepository(session)
            found = await repository.recent_for_team(team_id, visible, offset=page * PAGE_SIZE, limit=PAGE_SIZE)
            if not found.conversations and found.total:  # the list got shorter: show its last page
                page = (found.total - 1) // PAGE_SIZE
                found = await repository.recent_for_team(team_id, visible, offset=page * PAGE_SIZE,
                                                         limit=PAGE_SIZE)
        team_url = await self.access.team_url(client, team_id) if found.conversations else None
        now = utcnow()
        lines = tuple(conversation_line(c, team_id=team_id, team_url=team_url, now=now,
                                        show_number=len(connected) > 1) for c in found.conversations)
        return ConversationShelf(lines=lines, total=found.total, page=page if lines else 0, page_size=PAGE_SIZE,
                                 in_any_channel=bool(visible) or not channels)

    async def publish(
        self,
        client: AsyncWebClient,
        team_id: str,
        user_id: str,
        *,
        page: int = 0,
        notice: str | None = None,
        records: list[AccountRecord] | None = None,
        conversations_page: int = 0,
    ) -> bool:
        """views.publish for ``user_id``; False (logged) when Slack refused."""
        if records is None:
            records = await self.records(team_id)
        is_admin = bool(records) and await self.roles.is_admin(client, team_id, user_id)
        state = HomeState(
            connect_url=await self.services.links.issue(team_id, user_id),
            cards=account_cards(records, user_id, is_admin),
            page=page,
            notice=notice,
            show_inspector=is_admin,
            conversations=await self.conversations(client, team_id, user_id, conversations_page, records),
        )
        try:
            await client.views_publish(user_id=user_id, view=build_home_view(state))
        except SlackApiError as exc:
            log.warning("views.publish for %s in %s failed: %s", user_id, team_id, exc.response.get("error"))
            return False
        return True

    async def publish_for_viewers(self, team_id: str) -> int:
        """Re-publish for everyone in the workspace who has opened the Home tab; returns how many got it."""
        client = await self.clients.for_team(team_id)
        if client is None:
            return 0
        async with self.services.database.session() as session:
            viewers = await HomeViewerRepository(session).list(team_id)
        records = await self.records(team_id)
        published = 0
        for user_id in viewers:
            published += await self.publish(client, team_id, user_id, records=records)
        return published
