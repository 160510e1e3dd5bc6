"""The whole sandbox stack with its console, and Debian's chromium to look at it. Screenshots of each step
land in an artefacts folder the tests print (WASLACK_ARTIFACTS names another)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from sandbox.stack import running_stack

CHROMIUM = Path("/usr/bin/chromium")
FIREFOX = Path("/usr/bin/firefox-esr")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]


@pytest.fixture
async def stack(database_url):
    async with running_stack(database_url=database_url) as running:
        yield running


@pytest.fixture
async def browser():
    if not CHROMIUM.exists():  # noqa: ASYNC240 - one stat before launching a browser
        pytest.skip("browser tests need Debian's chromium at /usr/bin/chromium (apt-get install chromium)")
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        await launched.close()


@pytest.fixture
async def firefox():
    """Debian's firefox-esr through Playwright's WebDriver BiDi channel (no browser download); skipped where
    that is not installed, or where this Playwright speaks a BiDi command firefox-esr lacks (1.65 does)."""
    if not FIREFOX.exists():  # noqa: ASYNC240 - one stat before launching a browser
        pytest.skip("Firefox tests need Debian's firefox-esr at /usr/bin/firefox-esr (apt-get install firefox-esr)")
    from playwright.async_api import Error, async_playwright

    async with async_playwright() as playwright:
        launched = await playwright.firefox.launch(channel="moz-firefox", executable_path=str(FIREFOX))
        try:
            context = await launched.new_context(viewport={"width": 1440, "height": 900})
        except Error as exc:
            await launched.close()
            pytest.skip(f"this Playwright cannot drive firefox-esr over BiDi: {str(exc).splitlines()[0]}")
        context.set_default_timeout(15_000)
        yield context
        await context.close()
        await launched.close()


@pytest.fixture
async def page(browser):
    context = await browser.new_context(viewport={"width": 1440, "height": 900})
    context.set_default_timeout(15_000)
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.errors = errors  # type: ignore[attr-defined]
    yield page
    await context.close()


@pytest.fixture
def artifacts(request) -> Path:
    """Where this test's screenshots go (printed, so a CI log names it)."""
    root = Path(os.environ.get("WASLACK_ARTIFACTS") or Path(tempfile.gettempdir()) / "artifacts")
    folder = root / "console" / request.node.name
    folder.mkdir(parents=True, exist_ok=True)  # noqa: ASYNC240 - test-only, tiny
    print(f"\nconsole screenshots: {folder}")
    return folder
