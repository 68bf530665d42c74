"""Logging in on the staff login page in the browser, with a fresh TOTP code."""
from __future__ import annotations

import pyotp
from playwright.sync_api import Page, expect


def staff_login(page: Page, stack, account: dict, landing: str) -> None:
    page.goto(stack.base_url + "/staff/login")
    page.get_by_label("E-mailadres").fill(account["email"])
    page.get_by_label("Wachtwoord").fill(account["password"])
    page.get_by_label("Code uit je authenticator-app").fill(pyotp.TOTP(account["totp_secret"]).now())
    page.get_by_role("button", name="Inloggen").click()
    expect(page.get_by_role("heading", name=landing)).to_be_visible()
