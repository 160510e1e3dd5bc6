"""The console in Debian's firefox-esr, driven over Playwright's WebDriver BiDi channel (no browser download)."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from .steps import NAME, REPLY, TEXT, new_candidate

pytestmark = pytest.mark.browser


async def test_in_firefox_a_candidate_writes_taps_a_template_and_the_recruiter_answers(stack, firefox, artifacts):
    """The loop again in Debian's firefox-esr: the console works in Firefox as in Chromium."""
    outcome = await stack.connect_number()
    pnid = outcome["numbers"][0]["phone_number_id"]
    page = await firefox.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    await page.goto(stack.console_url)
    await expect(page.locator("body")).to_have_attribute("data-ready", "true")
    await new_candidate(page, "212600000042", NAME)
    await page.fill("#message", TEXT)
    await page.click("#send")
    await expect(page.locator("#chat li.mine .text")).to_have_text(TEXT)
    parent = page.locator("#channel li.slack-msg")
    await expect(parent.first).to_be_visible(timeout=20_000)
    await parent.first.locator("button.replies").click()
    await page.fill("#reply-text", REPLY)
    await page.click("#reply button")
    await expect(page.locator("#thread li.slack-msg", has_text=REPLY)).to_have_count(1)

    waba = stack.meta.wabas[stack.meta.numbers[pnid].waba_id]
    token = next(t.value for t in stack.meta.tokens.values() if t.business_id == waba.business_id and not t.revoked)
    sent = await stack.http.post(
        f"{stack.meta_sim_url}/{stack.meta.config.api_version}/{pnid}/messages",
        headers={"Authorization": f"Bearer {token}"},
        json={"messaging_product": "whatsapp", "to": "212600000042", "type": "template", "template": {
            "name": "interview_invite", "language": {"code": "en_US"}, "components": [
                {"type": "body", "parameters": [{"type": "text", "text": "Amina"},
                                                {"type": "text", "text": "Forklift driver"}]}]}})  # fmt: skip
    assert sent.status_code == 200, sent.text
    card = page.locator("#chat .wa-template")
    await expect(card.locator(".wa-tpl-body")).to_contain_text("invite you to an interview for the Forklift driver")
    await expect(card.locator(".wa-tpl-footer")).to_have_text("Reply STOP to opt out")
    await page.locator("#chat .wa-tpl-button", has_text="I'm interested").click()
    await expect(page.locator("#thread li.slack-msg", has_text="I'm interested")).to_have_count(1, timeout=20_000)
    await page.screenshot(path=str(artifacts / "14-firefox.png"))
    assert await page.evaluate("window.pwned") is None
    assert errors == []
