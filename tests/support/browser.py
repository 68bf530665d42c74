"""Helpers for the browser tests (Debian's Chromium, driven by Playwright): opening the widget,
logging staff in, checking a quick exit left no trace, and screenshots. Screenshots go to
results/screenshots/; the ones docs/ shows are copied there only on purpose
(SCREENSHOTS_TO_DOCS=1, which `make screenshots` sets)."""
from __future__ import annotations

import os
import shutil
import time
from typing import Any

import pyotp
from playwright.sync_api import Frame, Locator, Page, expect
from sqlalchemy import create_engine, text

from support.paths import RESULTS, ROOT

CHROMIUM = "/usr/bin/chromium"
# The flags this machine needs: no sandbox as root, and no background calls to the internet.
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SCREENSHOTS = RESULTS / "screenshots"
DOCS = ROOT / "docs"


def screenshot(target: Page | Locator, name: str, docs: bool = False, **options: Any) -> None:
    """Saves `name` in results/screenshots/; `docs`: one docs/ shows, copied there when asked to."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    target.screenshot(path=str(SCREENSHOTS / name), **options)
    if docs and os.environ.get("SCREENSHOTS_TO_DOCS") == "1":
        shutil.copyfile(SCREENSHOTS / name, DOCS / name)


def open_widget(page: Page, stack) -> Frame:
    page.goto(stack.base_url + "/")
    page.get_by_role("button", name="Anonieme chat").click()
    frame = page.frame_locator("iframe[title='Anonieme chat']")
    frame.locator(".bubble.bot").first.wait_for()
    return page.frames[-1]


def web_conversations(stack) -> int:
    engine = create_engine(stack.database_url.replace("+aiosqlite", ""))
    try:
        with engine.connect() as connection:
            return connection.execute(
                text("SELECT count(*) FROM conversations WHERE channel = 'web'")).scalar_one()
    finally:
        engine.dispose()


def assert_left_without_traces(page: Page, stack, before: int) -> None:
    # The iframe and the partner page both navigate away; one of the two is aborted by the other.
    deadline = time.monotonic() + 10
    while page.url != stack.base_url + "/healthz" and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    assert page.url == stack.base_url + "/healthz"
    page.wait_for_load_state()
    assert page.evaluate("localStorage.length + sessionStorage.length") == 0
    assert page.context.cookies() == []
    deadline = time.monotonic() + 5
    while web_conversations(stack) > before and time.monotonic() < deadline:
        time.sleep(0.2)
    assert web_conversations(stack) <= before, "the conversation was not ended on the server"


def staff_login(page: Page, stack, account: dict, landing: str) -> None:
    """Logs in on the staff login page with a fresh TOTP code."""
    page.goto(stack.base_url + "/staff/login")
    page.get_by_label("E-mailadres").fill(account["email"])
    page.get_by_label("Wachtwoord").fill(account["password"])
    page.get_by_label("Code uit je authenticator-app").fill(pyotp.TOTP(account["totp_secret"]).now())
    page.get_by_role("button", name="Inloggen").click()
    expect(page.get_by_role("heading", name=landing)).to_be_visible()
