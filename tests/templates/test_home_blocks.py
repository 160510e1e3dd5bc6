"""The templates part of the Home view within Slack's Block Kit limits, however many accounts and templates."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.home import MAX_BLOCKS, AccountCard, HomeState, NumberLine, build_home_view, paginate
from bot.home_state import TemplateLine, TemplateShelf
from bot.home_templates import SHOWN_TEMPLATES

SYNCED = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)


def shelf(count: int) -> TemplateShelf:
    lines = tuple(TemplateLine("t" * 512 if i == 0 else f"template_{i}", "en_US", "APPROVED", "UTILITY")
                  for i in range(min(count, SHOWN_TEMPLATES)))
    return TemplateShelf(shown=lines, total=count, approved=count, synced_at=SYNCED,
                         failed_at=SYNCED, problem="throttled")


def card(account_id: int, numbers: int) -> AccountCard:
    lines = tuple(NumberLine(f"{account_id}{i:03d}", f"+1 555 {i:04d}", "Acme", "active", "GREEN", "C1", True)
                  for i in range(numbers))
    return AccountCard(account_id=account_id, status="active", numbers=lines, connected_by="U0ADMIN",
                       connected_at=SYNCED, can_manage=True, templates=shelf(250))


def test_every_page_of_many_accounts_with_many_templates_stays_within_slacks_limits():
    cards = tuple(card(i, numbers=1 + i % 3) for i in range(1, 40))
    pages = paginate(cards)
    assert len(pages) > 1
    for page in range(len(pages)):
        view = build_home_view(HomeState(connect_url="https://relay.example/connect", cards=cards, page=page))
        assert len(view["blocks"]) <= MAX_BLOCKS
        shelves = [b for b in view["blocks"] if str(b.get("block_id", "")).startswith("templates:")]
        assert shelves, "each page shows its accounts' templates"
        for block in shelves:
            assert len(block["elements"]) <= 10  # Slack's limit for a context block
            assert all(len(e["text"]) <= 3000 for e in block["elements"])
            text = "\n".join(e["text"] for e in block["elements"])
            assert "… and 240 more." in text and "t" * 512 not in text


def test_a_disconnected_account_shows_no_templates_and_no_refresh_button():
    gone = AccountCard(account_id=7, status="disconnected", numbers=(), connected_by="U0ADMIN",
                       connected_at=SYNCED, can_manage=True, templates=None)
    view = build_home_view(HomeState(connect_url="https://relay.example/connect", cards=(gone,)))
    assert not any(str(b.get("block_id", "")).startswith("templates:") for b in view["blocks"])
    assert "refresh_templates:7" not in str(view)
