"""The connect page's words name buttons exactly as they are labelled, here and on Slack's Home tab."""

from __future__ import annotations

import re

from bot import wording as slack_wording
from relay.onboarding.claim_types import ClaimProblem
from relay.onboarding.links import LinkProblem
from web.connect import wording


def every_sentence() -> list[str]:
    found: list[str] = []

    def walk(value: object) -> None:
        if isinstance(value, str):
            found.append(value)
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)

    for name in dir(wording):
        if name.isupper():
            walk(getattr(wording, name))
    return found


def test_the_used_link_page_names_the_home_tab_button_as_labelled():
    assert wording.SLACK_CONNECT_BUTTON == slack_wording.CONNECT_BUTTON
    for text in (wording.LINK_TEXT[LinkProblem.USED], wording.PROBLEMS[ClaimProblem.LINK_USED],
                 wording.SLACK_RESTART):
        assert f"click {slack_wording.CONNECT_BUTTON}" in text


def test_every_button_a_sentence_tells_you_to_click_exists():
    labels = {
        wording.PAGE["connect_button"], wording.PAGE["retry_button"], wording.PAGE["choose_button"],
        wording.PAGE["stop_waiting"], slack_wording.CONNECT_BUTTON, slack_wording.CHECK_AGAIN_BUTTON,
    }
    named = [
        match.group(1)
        for text in every_sentence()
        for match in re.finditer(r"\b(?:[Cc]lick|[Pp]ress) ([A-Z][^.,;:]*)", text)
    ]
    assert named, "the scan found the sentences"
    for phrase in named:
        assert any(phrase.startswith(label) for label in labels), f"no button is labelled like {phrase!r}"
