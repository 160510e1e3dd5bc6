"""The Home view builder: what each state shows, who sees which controls, and Block Kit's limits."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from bot import wording
from bot.home import (
    MAX_BLOCKS,
    AccountCard,
    HomeState,
    NumberLine,
    action_key,
    action_pattern,
    build_home_view,
    page_of,
    paginate,
)
from sandbox.slack.blocks import view_errors
from tests.bot.conftest import view_text

URL = "https://relay.example/connect?token=abc.def"
WHEN = datetime(2026, 3, 4, 10, 30, tzinfo=UTC)


def line(n: int = 1, **changes) -> NumberLine:
    values = dict(
        phone_number_id=f"10{n:04d}",
        display_phone_number=f"+1 555-010-{n:04d}",
        verified_name="Acme Hiring",
        status="active",
        quality_rating="GREEN",
        channel_id="C0PUBLIC",
        connected=True,
    )
    values.update(changes)
    return NumberLine(**values)


def card(account_id: int = 1, numbers=None, **changes) -> AccountCard:
    values = dict(
        account_id=account_id,
        status="active",
        numbers=tuple(numbers or [line(account_id)]),
        connected_by="U0ADMIN",
        connected_at=WHEN,
        can_manage=True,
    )
    values.update(changes)
    return AccountCard(**values)


def elements(view: dict) -> dict[str, dict]:
    """Every interactive element by action_id."""
    found = {}
    for block in view["blocks"]:
        for element in block.get("elements", []) + ([block["accessory"]] if "accessory" in block else []):
            if "action_id" in element:
                found[element["action_id"]] = element
    return found


def test_nothing_connected_explains_and_offers_connect():
    view = build_home_view(HomeState(connect_url=URL))
    assert view["type"] == "home" and view_errors(view) == []
    assert wording.HOME_EMPTY in view_text(view)
    connect = elements(view)["connect_whatsapp"]
    assert connect["url"] == URL and connect["text"]["text"] == "Connect WhatsApp Business"
    assert not any(key.startswith(("disconnect", "move_number", "reconnect")) for key in elements(view))


def test_active_number_for_a_manager():
    view = build_home_view(HomeState(connect_url=URL, cards=(card(),)))
    assert view_errors(view) == []
    text = view_text(view)
    for expected in (
        "+1 555-010-0001",
        "Acme Hiring",
        "Active",
        "Quality: High",
        "<#C0PUBLIC>",
        "Connected by <@U0ADMIN> on <!date^",
    ):
        assert expected in text
    assert "Quality: High — candidates rarely block or report these messages" in text
    controls = elements(view)
    assert controls["connect_whatsapp"]["url"] == URL  # still there to add more numbers
    assert "reconnect_account:1" not in controls, "an active number has nothing to reconnect"
    disconnect = controls["disconnect_account:1"]
    assert disconnect["style"] == "danger"
    assert disconnect["confirm"]["title"]["text"] == wording.CONFIRM_DISCONNECT_TITLE
    assert "+1 555-010-0001" in disconnect["confirm"]["text"]["text"]
    select = controls["move_number:100001"]
    assert select["type"] == "conversations_select" and select["initial_conversation"] == "C0PUBLIC"
    assert set(select["filter"]["include"]) == {"public", "private"}
    invite = controls["invite_to_channel:100001"]
    assert invite["type"] == "multi_users_select" and invite["max_selected_items"] <= 10


def test_no_invite_menu_without_a_channel():
    view = build_home_view(HomeState(connect_url=URL, cards=(card(numbers=[line(channel_id=None)]),)))
    assert "move_number:100001" in elements(view) and "invite_to_channel:100001" not in elements(view)


def test_a_viewer_who_may_not_manage_sees_state_without_controls():
    view = build_home_view(HomeState(connect_url=URL, cards=(card(can_manage=False),)))
    assert "Active" in view_text(view) and "<#C0PUBLIC>" in view_text(view)
    assert set(elements(view)) == {"connect_whatsapp"}
    assert wording.managed_by_line("U0ADMIN") in view_text(view)


def test_pending_numbers_not_chosen_have_no_channel_select():
    numbers = [
        line(i, status="pending", connected=False, channel_id=None, detail=wording.DETAIL_CHOOSE_NUMBER)
        for i in (1, 2, 3)
    ]
    view = build_home_view(HomeState(connect_url=URL, cards=(card(status="pending", numbers=numbers),)))
    text = view_text(view)
    assert text.count("Pending") == 3 and text.count(wording.DETAIL_CHOOSE_NUMBER) == 3
    assert not any(key.startswith("move_number") for key in elements(view))
    assert "disconnect_account:1" in elements(view)


def test_error_and_disconnected_states():
    errored = card(
        1, status="error", numbers=[line(1, status="error", detail=wording.DETAIL_REGISTRATION_FAILED)],
        needs_reconnect=True,
    )
    gone = card(2, status="disconnected", numbers=[line(2, status="disconnected")], needs_reconnect=True)
    view = build_home_view(HomeState(connect_url=URL, cards=(errored, gone)))
    text = view_text(view)
    assert ":red_circle: Error" in text and wording.DETAIL_REGISTRATION_FAILED in text
    assert ":white_circle: Disconnected" in text
    controls = elements(view)
    assert "disconnect_account:1" in controls and "reconnect_account:2" in controls
    assert controls["reconnect_account:1"]["url"] == URL
    assert "disconnect_account:2" not in controls and "move_number:100002" not in controls


def test_quality_ratings_say_what_they_mean_to_a_recruiter():
    for rating, words in (("GREEN", "rarely block or report"), ("YELLOW", "some candidates block"),
                          ("RED", "Meta may soon limit"), (None, "Not rated yet — Meta rates")):
        view = build_home_view(HomeState(connect_url=URL, cards=(card(numbers=[line(quality_rating=rating)]),)))
        assert words in view_text(view)


def test_a_blocked_number_offers_check_again_not_reconnect():
    blocked = line(status="payment_missing", detail=wording.DETAIL_PAYMENT_MISSING, checkable=True)
    view = build_home_view(HomeState(connect_url=URL, cards=(card(numbers=[blocked]),)))
    assert view_errors(view) == []
    text = view_text(view)
    assert "Payment method missing — messages can't be sent" in text and "Active" not in text
    assert "<https://business.facebook.com/wa/manage/home/|WhatsApp Manager>" in text
    assert elements(view)["check_number:100001"]["text"]["text"] == wording.CHECK_AGAIN_BUTTON
    assert "reconnect_account:1" not in elements(view)
    member = build_home_view(HomeState(connect_url=URL, cards=(card(numbers=[blocked], can_manage=False),)))
    assert set(elements(member)) == {"connect_whatsapp"}


def test_number_without_channel_and_unknown_quality():
    view = build_home_view(
        HomeState(connect_url=URL, cards=(card(numbers=[line(channel_id=None, quality_rating=None)]),))
    )
    text = view_text(view)
    assert wording.channel_line(None) in text and "Quality: Not rated yet" in text
    assert "initial_conversation" not in elements(view)["move_number:100001"]


def test_names_from_meta_are_escaped():
    view = build_home_view(
        HomeState(connect_url=URL, cards=(card(numbers=[line(verified_name="<!channel> & co")]),))
    )
    assert "&lt;!channel&gt; &amp; co" in view_text(view) and "<!channel>" not in view_text(view)


def test_notice_shows_first():
    view = build_home_view(HomeState(connect_url=URL, notice=wording.NOTICE_NOT_ALLOWED))
    assert view["blocks"][1]["text"]["text"] == wording.NOTICE_NOT_ALLOWED


def test_many_numbers_are_paginated_within_slack_limits():
    cards = tuple(card(i) for i in range(1, 36))
    pages = paginate(cards)
    assert len(pages) > 1
    seen = [piece.card.account_id for page in pages for piece in page]
    assert seen == list(range(1, 36))  # every account once, in order
    for number, _ in enumerate(pages):
        view = build_home_view(HomeState(connect_url=URL, cards=cards, page=number))
        assert len(view["blocks"]) <= MAX_BLOCKS and view_errors(view) == []
        assert wording.page_line(number, len(pages)) in view_text(view)
        assert page_of(view) == number
    first, last = (
        build_home_view(HomeState(connect_url=URL, cards=cards, page=p)) for p in (0, len(pages) - 1)
    )
    assert "home_page_next" in elements(first) and "home_page_previous" not in elements(first)
    assert "home_page_previous" in elements(last) and "home_page_next" not in elements(last)
    assert elements(first)["home_page_next"]["value"] == "1"


def test_one_account_with_more_numbers_than_a_page_continues_on_the_next():
    big = card(1, numbers=[line(i) for i in range(1, 41)])
    pages = paginate((big, card(2)))
    numbers = [n.phone_number_id for page in pages for piece in page for n in piece.numbers]
    assert numbers == [f"10{i:04d}" for i in range(1, 41)] + ["100002"]
    for number, _ in enumerate(pages):
        view = build_home_view(HomeState(connect_url=URL, cards=(big, card(2)), page=number))
        assert len(view["blocks"]) <= MAX_BLOCKS and view_errors(view) == []


def test_a_page_past_the_end_shows_the_last_page():
    cards = tuple(card(i) for i in range(1, 36))
    view = build_home_view(HomeState(connect_url=URL, cards=cards, page=99))
    assert page_of(view) == len(paginate(cards)) - 1


def test_page_of_tolerates_foreign_metadata():
    assert page_of({"private_metadata": "not json"}) == 0
    assert page_of({"private_metadata": json.dumps({"page": -3})}) == 0
    assert page_of(None) == 0


def test_keyed_action_ids():
    pattern = action_pattern("disconnect_account")
    assert pattern.match("disconnect_account:12") and pattern.match("disconnect_account")
    assert not pattern.match("disconnect_accounts:1")
    assert action_key("move_number:1234") == "1234" and action_key("move_number") == ""
