"""The browser tests' fixtures: Debian's Chromium, launched once per test module, and a fresh
page (its own context: no cookies or storage shared) for each test.

Once per module, not per session: Playwright's sync API runs an event loop in the main thread
while it is open, and the asyncio tests that follow the browser tests in the same run
(`asyncio.run`, pytest-asyncio) cannot start theirs while it does."""
from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from support.browser import CHROMIUM, FLAGS


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail("chromium is missing: `make setup` installs it (apt-get install chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1000, "height": 800})
    page = context.new_page()
    yield page
    context.close()
