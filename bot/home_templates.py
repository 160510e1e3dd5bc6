"""An account's message templates on its Home tab card: one context block (the first few, APPROVED first,
and how many more), and the Refresh templates button for the people who manage the account."""

from __future__ import annotations

from typing import Any

from bot import template_wording
from bot.home_state import ACTION_REFRESH_TEMPLATES, AccountCard, TemplateShelf, keyed_action

SHOWN_TEMPLATES = 10  # templates listed on a card; the rest are counted
NAME_LIMIT = 60  # a template name may be 512 characters; a card line shows this many


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("`", "'")


def _name(name: str) -> str:
    return _escape(name if len(name) <= NAME_LIMIT else name[: NAME_LIMIT - 1] + "…")


def shelf_text(shelf: TemplateShelf) -> list[str]:
    """The texts of the context block's elements (at most three of Slack's ten)."""
    if shelf.synced_at is None and shelf.failed_at is None:
        return [template_wording.TEMPLATES_NOT_READ]
    parts: list[str] = []
    if shelf.synced_at is not None:
        parts.append(template_wording.templates_heading(shelf.total, shelf.approved, shelf.synced_at))
        lines = [template_wording.template_line(_name(t.name), _escape(t.language), t.status, t.category)
                 for t in shelf.shown]
        if shelf.total > len(shelf.shown):
            lines.append(template_wording.templates_more(shelf.total - len(shelf.shown)))
        parts.append("\n".join(lines) if lines else template_wording.TEMPLATES_NONE)
    if shelf.failed_at is not None:
        parts.append(template_wording.templates_stale(shelf.problem, shelf.failed_at, shelf.synced_at))
    return parts


def templates_block(card: AccountCard) -> dict[str, Any] | None:
    """The card's templates, or None for an account whose templates are not shown (not live)."""
    if card.templates is None:
        return None
    return {
        "type": "context",
        "block_id": f"templates:{card.account_id}",
        "elements": [{"type": "mrkdwn", "text": text[:3000]} for text in shelf_text(card.templates)],
    }


def refresh_button(card: AccountCard) -> dict[str, Any] | None:
    """For managers of a live account: read its templates from Meta now."""
    if not (card.can_manage and card.templates is not None):
        return None
    return {
        "type": "button",
        "action_id": keyed_action(ACTION_REFRESH_TEMPLATES, card.account_id),
        "text": {"type": "plain_text", "text": template_wording.REFRESH_TEMPLATES_BUTTON, "emoji": True},
        "value": str(card.account_id),
    }
