"""Steps the console's browser tests share: open the console, create a candidate on the phone, wait for a
condition the page cannot be asked about directly."""

from __future__ import annotations

import asyncio
import time

from playwright.async_api import expect

# what a candidate and a recruiter type: markup in it must stay text everywhere
NAME = "Amina <img src=x onerror=window.pwned=1>"
TEXT = "Hello *not bold* <script>window.pwned=2</script> & is the job open?"
REPLY = "Yes! When can you come in? <b>not bold</b>"


async def open_console(page, stack):
    await page.goto(stack.console_url)
    await expect(page.locator("body")).to_have_attribute("data-ready", "true")
    await expect(page.locator("#live")).to_have_attribute("data-live", "sse")


async def new_candidate(page, key: str, name: str) -> None:
    await expect(page.locator("#new-candidate")).to_be_visible()
    await page.fill("#new-name", name)
    await page.fill("#new-key", key)
    await page.click("#new-candidate button")


async def eventually(check, within: float = 15.0):
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        result = await check()
        if result:
            return result
        await asyncio.sleep(0.2)
    return None
