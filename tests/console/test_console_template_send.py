"""The last step of the console's loop (Debian's chromium, the whole sandbox stack), through the console only: the
recruiter types ``/template interview_invite`` in the Slack pane, fills the modal for a new number (an inline
error first, for a number without its country code), watches the preview follow what they type and presses Send;
the template opens the new number's thread in the channel, and the candidate's phone shows it."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from bot import template_modal_wording as words

from .steps import open_console

pytestmark = pytest.mark.browser

NEW_NUMBER = "+34 612 345 678"
WA_ID = "34612345678"


async def test_a_template_sent_from_the_modal_to_a_new_number_opens_its_thread(stack, page, artifacts):
    number = (await stack.connect_number())["numbers"][0]
    channel = stack.slack.find_channel(number["channel_id"]).name
    await open_console(page, stack)
    await page.click(f"#channels a[data-channel='{number['channel_id']}']")  # nothing there yet: pick it
    await expect(page.locator("#slack-title")).to_have_text(f"#{channel}")

    # the recruiter runs the command in the number's channel: the modal opens on the named template
    await page.fill("#post-text", "/template interview_invite")
    await page.click("#post button")
    modal = page.locator("#modal")
    await expect(page.locator("#modal-title")).to_have_text(words.TITLE)
    first = modal.locator("[data-block-id='param.body.1'] input")
    second = modal.locator("[data-block-id='param.body.2'] input")
    await expect(first).to_be_visible()
    await expect(page.locator("#modal-submit")).to_have_text(words.SUBMIT)
    await page.screenshot(path=str(artifacts / "20-template-modal.png"))

    # a new number: the radio dispatches, the app redraws the form with a number field
    await modal.get_by_label(words.MODE_NEW).check()
    field = modal.locator("[data-block-id='new_number'] input")
    await expect(field).to_be_visible()
    await expect(modal.get_by_label(words.MODE_NEW)).to_be_checked()

    # the variables, typed key by key: the preview follows, and the field keeps the focus while the app redraws
    preview = modal.locator("[data-block-id='preview']")
    await first.press_sequentially("Lucía")
    await expect(preview).to_contain_text("Hello Lucía, thank you for applying.")
    await expect(first).to_be_focused()
    await second.press_sequentially("Night nurse")
    await expect(preview).to_contain_text("an interview for the Night nurse position")
    await expect(second).to_be_focused()
    await expect(first).to_have_value("Lucía")
    await expect(second).to_have_value("Night nurse")

    # a national number is refused inline, under the field, and the modal stays open
    await field.fill("0612 345 678")
    await page.click("#modal-submit")
    error = modal.locator("[data-block-id='new_number'] .bk-error")
    await expect(error).to_have_text(words.NUMBER_PROBLEMS["national"])
    await expect(modal.locator(".bk-error")).to_have_count(1)
    await page.screenshot(path=str(artifacts / "21-template-number-error.png"))
    assert stack.meta.messages == []

    await field.fill(NEW_NUMBER)
    await page.screenshot(path=str(artifacts / "22-template-filled.png"))
    await page.click("#modal-submit")
    await expect(modal).to_contain_text("Sending interview_invite to 1 recipient")
    await expect(modal.locator(".bk-error")).to_have_count(0)
    await page.screenshot(path=str(artifacts / "23-template-confirmation.png"))
    await page.click("#modal-close")
    await expect(modal).to_be_hidden()

    # the new number's thread opens in the channel, the sent template in it
    parent = page.locator("#channel li.slack-msg", has_text="+34 612")
    await expect(parent).to_have_count(1, timeout=20_000)
    await parent.locator("button.replies").click()
    sent = page.locator("#thread li.slack-msg", has_text="sent by")
    await expect(sent).to_have_count(1, timeout=20_000)
    await expect(sent).to_contain_text("📨 interview_invite sent by")
    await expect(sent.locator("strong", has_text="interview_invite")).to_have_count(1)
    await expect(sent).to_contain_text("Hello Lucía, thank you for applying.")
    await page.screenshot(path=str(artifacts / "24-template-thread.png"))

    # the candidate's phone: the new candidate, the template drawn with its body, footer and buttons
    await page.select_option("#candidate", WA_ID)
    bubble = page.locator("#chat li.theirs")
    await expect(bubble).to_have_count(1)
    card = bubble.locator(".wa-template")
    await expect(card.locator(".wa-tpl-header")).to_have_count(0)  # interview_invite has no header
    await expect(card.locator(".wa-tpl-body")).to_have_text(
        "Hello Lucía, thank you for applying. We would like to invite you to an interview for the Night nurse "
        "position. Reply to this message to choose a time.")
    await expect(card.locator(".wa-tpl-footer")).to_have_text("Reply STOP to opt out")
    await expect(bubble.locator(".wa-tpl-button")).to_have_text(["↩I'm interested", "↩Not now"])  # quick replies
    await page.screenshot(path=str(artifacts / "25-template-phone.png"))
    assert [m["wa_id"] for m in stack.meta.messages] == [WA_ID]
    assert page.errors == []  # type: ignore[attr-defined]
