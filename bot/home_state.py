"""What the Home tab is built from: plain, frozen data about each account and number, and the action_ids
its controls carry (``kind:key``), which the listeners match."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

# action_ids the listeners register (bot/listeners/*)
ACTION_CONNECT = "connect_whatsapp"
ACTION_RECONNECT = "reconnect_account"
ACTION_DISCONNECT = "disconnect_account"
ACTION_MOVE_NUMBER = "move_number"
ACTION_INVITE = "invite_to_channel"
ACTION_CHECK_NUMBER = "check_number"
ACTION_PAGE_PREVIOUS = "home_page_previous"
ACTION_PAGE_NEXT = "home_page_next"
ACTION_INSPECTOR = "open_webhook_inspector"
ACTION_REFRESH_TEMPLATES = "refresh_templates"
ACTION_CONVERSATIONS_NEWER = "home_conversations_newer"
ACTION_CONVERSATIONS_OLDER = "home_conversations_older"
ACTION_OPEN_THREAD = "open_conversation_thread"
NUMBER_BLOCK_PREFIX = "number:"


def keyed_action(kind: str, key: object) -> str:
    """An action_id naming what it acts on (Slack wants action_ids unique within a view): ``kind:key``."""
    return f"{kind}:{key}"[:255]


def action_pattern(kind: str) -> re.Pattern[str]:
    """Matches ``kind`` and every ``kind:key`` (for Bolt's ``app.action``)."""
    return re.compile(rf"^{re.escape(kind)}(:.*)?$")


def action_key(action_id: str) -> str:
    """The ``key`` of ``kind:key`` ('' when there is none)."""
    return action_id.partition(":")[2]


@dataclass(frozen=True)
class NumberLine:
    """One phone number as the Home tab shows it."""

    phone_number_id: str
    display_phone_number: str | None
    verified_name: str | None
    status: str  # pending | active | limited | payment_missing | blocked | disconnected | error
    quality_rating: str | None
    channel_id: str | None
    connected: bool  # chosen by the workspace: only then can its channel be changed
    detail: str | None = None  # one short sentence on why it is not simply active
    checkable: bool = False  # Meta limits or blocks it: offer to ask Meta again once it's fixed
    slack_problem: str | None = None  # why its messages wait to be posted in Slack


@dataclass(frozen=True)
class TemplateLine:
    """One message template as the Home tab lists it."""

    name: str
    language: str
    status: str  # Meta's: APPROVED, PENDING, REJECTED, PAUSED, DISABLED, ...
    category: str | None


@dataclass(frozen=True)
class TemplateShelf:
    """An account's templates on its card: the first few (APPROVED first), how many in all, how fresh."""

    shown: tuple[TemplateLine, ...]
    total: int
    approved: int
    synced_at: datetime | None  # last good read from Meta; None: never read yet
    failed_at: datetime | None = None  # the last read failed (after ``synced_at``)
    problem: str | None = None  # why, as a key of bot.wording.TEMPLATE_SYNC_PROBLEMS


@dataclass(frozen=True)
class AccountCard:
    """A WhatsApp Business account with its numbers, and whether the viewer may change it."""

    account_id: int
    status: str
    numbers: tuple[NumberLine, ...]
    connected_by: str | None
    connected_at: datetime | None
    can_manage: bool
    needs_reconnect: bool = False  # disconnected, in error, token rejected, or numbers still to choose
    templates: TemplateShelf | None = None  # None: the account is not live, its templates are not shown


@dataclass(frozen=True)
class ConversationLine:
    """One candidate conversation in the Home tab's Recent conversations."""

    conversation_id: int
    candidate: str  # profile name, else username, else a placeholder (already escaped)
    phone: str | None  # the candidate's number formatted like the thread parent, None for a BSUID-only contact
    last_activity_at: datetime
    window_open_until: datetime | None  # None: the 24-hour window is closed
    unread: int
    thread_url: str | None  # None until the thread parent is posted
    via: str | None = None  # the business number, shown when the workspace has several


@dataclass(frozen=True)
class ConversationShelf:
    """One page of Recent conversations: ``lines`` start at ``offset`` of ``total``."""

    lines: tuple[ConversationLine, ...]
    total: int
    page: int
    page_size: int
    in_any_channel: bool = True  # False: the viewer is in none of the numbers' channels, so sees none


@dataclass(frozen=True)
class HomeState:
    """Everything one person's Home tab shows."""

    connect_url: str
    cards: tuple[AccountCard, ...] = ()
    page: int = 0
    notice: str | None = None
    show_inspector: bool = False  # workspace admins may look at the webhooks of their numbers
    conversations: ConversationShelf | None = None  # None: the section is not shown (nothing connected)


@dataclass(frozen=True)
class CardSlice:
    """The part of an account card that fits on one page (big accounts continue on the next page)."""

    card: AccountCard
    numbers: tuple[NumberLine, ...]
