"""The Home tab view, built from plain data: pure functions, no Slack calls, no database.

Block Kit limits (reference 2.1): at most 100 blocks per Home view, so accounts are laid out on pages that
each stay well below that; button text ≤ 75 characters, section text ≤ 3000.
"""

from __future__ import annotations

import json
from typing import Any

from bot import wording
from bot.home_conversations import conversation_blocks
from bot.home_state import (
    ACTION_CHECK_NUMBER,
    ACTION_CONNECT,
    ACTION_DISCONNECT,
    ACTION_INSPECTOR,
    ACTION_INVITE,
    ACTION_MOVE_NUMBER,
    ACTION_PAGE_NEXT,
    ACTION_PAGE_PREVIOUS,
    ACTION_RECONNECT,
    ACTION_REFRESH_TEMPLATES,
    NUMBER_BLOCK_PREFIX,
    AccountCard,
    CardSlice,
    HomeState,
    NumberLine,
    action_key,
    action_pattern,
    keyed_action,
)
from bot.home_templates import refresh_button, templates_block

__all__ = [  # the Home tab's data and action ids live in bot.home_state; listeners import them from here
    "ACTION_CHECK_NUMBER", "ACTION_CONNECT", "ACTION_DISCONNECT", "ACTION_INVITE", "ACTION_MOVE_NUMBER",
    "ACTION_PAGE_NEXT", "ACTION_PAGE_PREVIOUS", "ACTION_RECONNECT", "ACTION_REFRESH_TEMPLATES", "MAX_BLOCKS",
    "MAX_INVITES", "AccountCard", "CardSlice", "HomeState", "NumberLine", "action_key", "action_pattern",
    "build_home_view", "escape", "keyed_action", "page_of", "paginate",
]

MAX_BLOCKS = 100
PAGE_BLOCK_BUDGET = 60  # blocks for account cards on one page; the page frame adds at most 8 more
PAGE_NUMBER_LIMIT = 15  # numbers per page, so a page stays readable
CARD_FRAME_BLOCKS = 4  # templates, context, actions, divider around an account's number sections
NUMBER_BLOCKS = 2  # a number's section, and the invite menu under it
MAX_INVITES = 10  # people invited at once from the Home tab (one conversations.invite each)


def escape(text: str) -> str:
    """Make text from people or Meta safe inside mrkdwn (Slack's three control characters)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _plain(text: str, limit: int = 75) -> dict[str, Any]:
    return {"type": "plain_text", "text": text[:limit], "emoji": True}


def _mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": text[:3000]}


def quality_label(rating: str | None) -> str:
    """Meta's quality rating in a recruiter's terms ("High — candidates rarely block or report…")."""
    return wording.QUALITY_LABELS.get((rating or "").upper(), wording.QUALITY_UNRATED)


def status_label(status: str) -> str:
    """A number's state with its colour dot ("Payment method missing — messages can't be sent")."""
    return wording.STATUS_LABELS.get(status, wording.STATUS_UNKNOWN)


def paginate(cards: tuple[AccountCard, ...]) -> list[list[CardSlice]]:
    """Lay cards out on pages of at most PAGE_BLOCK_BUDGET blocks and PAGE_NUMBER_LIMIT numbers.

    A card that does not fit on a partly filled page starts the next one; only a card bigger than a whole
    page is split, continuing on the following pages."""
    pages: list[list[CardSlice]] = [[]]
    used_blocks = used_numbers = 0
    for card in cards:
        remaining = card.numbers
        while True:
            room = min((PAGE_BLOCK_BUDGET - used_blocks - CARD_FRAME_BLOCKS) // NUMBER_BLOCKS,
                       PAGE_NUMBER_LIMIT - used_numbers)
            if pages[-1] and room < len(remaining):
                pages.append([])
                used_blocks = used_numbers = 0
                continue
            take = min(room, len(remaining))
            pages[-1].append(CardSlice(card, remaining[:take]))
            used_blocks += CARD_FRAME_BLOCKS + NUMBER_BLOCKS * take
            used_numbers += take
            remaining = remaining[take:]
            if not remaining:
                break
            pages.append([])
            used_blocks = used_numbers = 0
    return pages


def _number_block(card: AccountCard, line: NumberLine) -> dict[str, Any]:
    title = wording.number_title(
        escape(line.display_phone_number) if line.display_phone_number else None,
        escape(line.verified_name) if line.verified_name else None,
    )
    text = "\n".join(
        part
        for part in (
            title,
            wording.status_line(status_label(line.status), quality_label(line.quality_rating)),
            wording.channel_line(line.channel_id) if line.connected else None,
            f"_{line.detail}_" if line.detail else None,
            wording.slack_problem_line(line.slack_problem) if line.slack_problem else None,
        )
        if part
    )
    block: dict[str, Any] = {
        "type": "section",
        "block_id": f"{NUMBER_BLOCK_PREFIX}{line.phone_number_id}"[:255],
        "text": _mrkdwn(text),
    }
    if card.can_manage and line.connected and card.status != "disconnected":
        select: dict[str, Any] = {
            "type": "conversations_select",
            "action_id": keyed_action(ACTION_MOVE_NUMBER, line.phone_number_id),
            "placeholder": _plain(wording.CHANNEL_PLACEHOLDER),
            "filter": {
                "include": ["public", "private"],
                "exclude_bot_users": True,
                "exclude_external_shared_channels": True,
            },
        }
        if line.channel_id:
            select["initial_conversation"] = line.channel_id
        block["accessory"] = select
    return block


def _number_actions(card: AccountCard, line: NumberLine) -> dict[str, Any] | None:
    """Under a number, for managers: a people picker that invites teammates to its channel, and Check again
    when Meta limits or blocks it."""
    if not (card.can_manage and line.connected and card.status != "disconnected"):
        return None
    elements: list[dict[str, Any]] = []
    if line.channel_id:
        elements.append(
            {
                "type": "multi_users_select",
                "action_id": keyed_action(ACTION_INVITE, line.phone_number_id),
                "placeholder": _plain(wording.INVITE_PLACEHOLDER),
                "max_selected_items": MAX_INVITES,
            }
        )
    if line.checkable:
        elements.append(
            {
                "type": "button",
                "action_id": keyed_action(ACTION_CHECK_NUMBER, line.phone_number_id),
                "text": _plain(wording.CHECK_AGAIN_BUTTON),
                "value": line.phone_number_id,
            }
        )
    if not elements:
        return None
    return {"type": "actions", "block_id": f"invite:{line.phone_number_id}"[:255], "elements": elements}


def _connected_by(card: AccountCard) -> str:
    when = card.connected_at
    return wording.connected_by_line(
        card.connected_by,
        int(when.timestamp()) if when else None,
        when.strftime("%Y-%m-%d %H:%M UTC") if when else None,
    )


def _card_blocks(piece: CardSlice, connect_url: str) -> list[dict[str, Any]]:
    card = piece.card
    blocks: list[dict[str, Any]] = []
    for line in piece.numbers:
        blocks.append(_number_block(card, line))
        if (actions := _number_actions(card, line)) is not None:
            blocks.append(actions)
    if (templates := templates_block(card)) is not None:
        blocks.append(templates)
    notes = [_connected_by(card)]
    if not card.can_manage:
        notes.append(wording.managed_by_line(card.connected_by))
    blocks.append({"type": "context", "elements": [_mrkdwn(note) for note in notes]})
    if card.can_manage:
        buttons: list[dict[str, Any]] = []
        if card.needs_reconnect:
            buttons.append(
                {
                    "type": "button",
                    "action_id": keyed_action(ACTION_RECONNECT, card.account_id),
                    "text": _plain(wording.RECONNECT_BUTTON),
                    "url": connect_url,
                    "value": str(card.account_id),
                    "style": "primary",
                }
            )
        if (refresh := refresh_button(card)) is not None:
            buttons.append(refresh)
        if card.status != "disconnected":
            numbers = [
                escape(n.display_phone_number or n.phone_number_id) for n in card.numbers if n.connected
            ]
            buttons.append(
                {
                    "type": "button",
                    "action_id": keyed_action(ACTION_DISCONNECT, card.account_id),
                    "text": _plain(wording.DISCONNECT_BUTTON),
                    "style": "danger",
                    "value": str(card.account_id),
                    "confirm": {
                        "title": _plain(wording.CONFIRM_DISCONNECT_TITLE, 100),
                        "text": _mrkdwn(wording.confirm_disconnect_text(numbers)),
                        "confirm": _plain(wording.CONFIRM_DISCONNECT_YES, 30),
                        "deny": _plain(wording.CONFIRM_DISCONNECT_NO, 30),
                        "style": "danger",
                    },
                }
            )
        if buttons:
            blocks.append({"type": "actions", "block_id": f"account:{card.account_id}", "elements": buttons})
    blocks.append({"type": "divider"})
    return blocks


def _pager(page: int, pages: int) -> list[dict[str, Any]]:
    buttons = []
    if page > 0:
        buttons.append(
            {
                "type": "button",
                "action_id": ACTION_PAGE_PREVIOUS,
                "text": _plain(wording.PAGE_PREVIOUS),
                "value": str(page - 1),
            }
        )
    if page < pages - 1:
        buttons.append(
            {
                "type": "button",
                "action_id": ACTION_PAGE_NEXT,
                "text": _plain(wording.PAGE_NEXT),
                "value": str(page + 1),
            }
        )
    return [
        {"type": "context", "elements": [_mrkdwn(wording.page_line(page, pages))]},
        {"type": "actions", "block_id": "pages", "elements": buttons},
    ]


def build_home_view(state: HomeState) -> dict[str, Any]:
    """The ``view`` argument of views.publish for one person."""
    connect = {
        "type": "actions",
        "block_id": "connect",
        "elements": [
            {
                "type": "button",
                "action_id": ACTION_CONNECT,
                "text": _plain(wording.CONNECT_BUTTON),
                "url": state.connect_url,
                "style": "primary",
            }
        ],
    }
    if state.show_inspector:
        connect["elements"].append({"type": "button", "action_id": ACTION_INSPECTOR,
                                    "text": _plain(wording.INSPECTOR_BUTTON)})
    hint = {"type": "context", "elements": [_mrkdwn(wording.CONNECT_HINT)]}
    blocks: list[dict[str, Any]] = [{"type": "header", "text": _plain(wording.HOME_TITLE, 150)}]
    if state.notice:
        blocks.append({"type": "section", "block_id": "notice", "text": _mrkdwn(state.notice)})
    pages = paginate(state.cards) if state.cards else []
    page = min(max(state.page, 0), max(len(pages) - 1, 0))
    if not pages:
        blocks += [{"type": "section", "text": _mrkdwn(wording.HOME_EMPTY)}, connect, hint]
    else:
        blocks += [
            {"type": "section", "text": _mrkdwn(wording.HOME_INTRO)},
            connect,
            hint,
            {"type": "divider"},
        ]
        for piece in pages[page]:
            blocks += _card_blocks(piece, state.connect_url)
        if len(pages) > 1:
            blocks += _pager(page, len(pages))
    metadata: dict[str, int] = {"page": page}
    if state.conversations is not None:
        blocks += [{"type": "divider"}, *conversation_blocks(state.conversations)]
        metadata["conversations_page"] = state.conversations.page
    assert len(blocks) <= MAX_BLOCKS, "a Home page outgrew Slack's 100-block limit"
    return {
        "type": "home",
        "blocks": blocks,
        "private_metadata": json.dumps(metadata),
    }


def page_of(view: dict[str, Any] | None, key: str = "page") -> int:
    """The page a published Home view shows (from its private_metadata; ``conversations_page`` for Recent
    conversations); 0 when unknown."""
    try:
        page = json.loads((view or {}).get("private_metadata") or "{}").get(key, 0)
    except (ValueError, AttributeError):
        return 0
    return page if isinstance(page, int) and page >= 0 else 0
