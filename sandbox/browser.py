"""Drive the real connect page in Debian's headless Chromium (Playwright), as a recruiter would."""

from __future__ import annotations

import shutil
from typing import Any

from sandbox.stack import Stack

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]


class BrowserUnavailable(RuntimeError):
    """No Playwright or no Debian chromium on this machine (never downloaded)."""


def chromium_path() -> str:
    path = shutil.which("chromium") or (CHROMIUM if shutil.which(CHROMIUM) else None)
    if path is None:
        raise BrowserUnavailable("Debian's chromium is not installed (apt-get install chromium)")
    try:
        import playwright.async_api  # noqa: F401
    except ImportError:
        raise BrowserUnavailable("Python Playwright is not installed (pip install -e '.[dev]')") from None
    return path


async def connect_in_browser(stack: Stack, user_id: str | None = None, *, button: str = "#finish") -> dict[str, Any]:
    """Open a fresh connect link, press Connect, finish the signup in the simulator's popup and return the
    relay's answer to /connect/complete (as the page received it)."""
    executable = chromium_path()
    from playwright.async_api import async_playwright

    url = await stack.connect_link(user_id)
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        try:
            page = await browser.new_page()
            await page.goto(url)
            connect = page.locator("#connect")
            await connect.wait_for(state="visible")
            await page.wait_for_function("!document.querySelector('#connect').disabled", timeout=15_000)
            async with page.expect_popup() as popup_info:
                await connect.click()
            popup = await popup_info.value
            await popup.wait_for_load_state()
            async with page.expect_response(lambda r: r.url.endswith("/connect/complete")) as answer_info:
                await popup.locator(button).click()
            answer = await answer_info.value
            result: dict[str, Any] = await answer.json()
            await page.locator("#state-success").wait_for(state="visible", timeout=15_000)
            result["page_text"] = await page.locator("#state-success").inner_text()
            return await stack.with_stored_facts(result, {})
        finally:
            await browser.close()
