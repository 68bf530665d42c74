"""The warm handover in headless Chromium on both sides: a user in the widget, a worker in the
staff inbox (two browser contexts, so nothing is shared), live in both directions."""
from __future__ import annotations

import json
import re
import uuid

from playwright.sync_api import expect

from support.browser import open_widget, screenshot, staff_login


FORM_ANSWERS = ["Apeldoorn", "hier in de chat", "maakt niet uit", "Nederlands", "ja"]


def test_worker_and_widget_user_talk_live(browser, page, stack):
    frame = open_widget(page, stack)
    message = frame.get_by_label("Je bericht")
    message.fill("ik wil met iemand praten")
    message.press("Enter")
    frame.locator(".bubble.bot", has_text="PMW").wait_for()
    for answer in FORM_ANSWERS:
        count = frame.locator(".bubble.bot").count()
        message.fill(answer)
        message.press("Enter")
        frame.locator(".bubble.bot").nth(count).wait_for()
    reference_bubble = frame.locator(".bubble.bot").filter(has_text=re.compile(r"[A-Z2-9]{3}-[A-Z2-9]{3}"))
    reference_bubble.first.wait_for()
    reference = re.search(r"[A-Z2-9]{3}-[A-Z2-9]{3}", reference_bubble.first.inner_text()).group(0)

    account = json.loads(stack.bot_command(
        "users", "add", "--email", f"dewi-{uuid.uuid4().hex[:8]}@rebelz.nl", "--role", "worker",
        "--region", "apeldoorn", "--name", "Dewi", "--json"))
    staff_context = browser.new_context(viewport={"width": 1100, "height": 900})
    try:
        inbox = staff_context.new_page()
        staff_login(inbox, stack, account, "Overdrachten")
        inbox.get_by_role("link", name=reference).click()
        expect(inbox.get_by_role("heading", name=f"Overdracht {reference}")).to_be_visible()
        inbox.get_by_role("button", name="Oppakken en het gesprek starten").click()

        frame.locator(".bubble.bot", has_text="Je praat nu met Dewi van Rebelz").wait_for()
        expect(inbox.locator("#messages .msg.notice")).to_have_count(1)
        inbox.wait_for_function("() => document.body.dataset.live === '1'")

        inbox.get_by_label("Bericht").fill("Hoi, ik ben Dewi. Hoe gaat het?")
        inbox.get_by_role("button", name="Versturen").click()
        frame.locator(".bubble.bot", has_text="Hoi, ik ben Dewi").wait_for()

        message.fill('<img src=x onerror="document.title=1">het gaat wel')
        message.press("Enter")
        shown = inbox.locator("#messages .msg.user .text").last
        expect(shown).to_have_text('<img src=x onerror="document.title=1">het gaat wel')
        assert inbox.locator("#messages img").count() == 0

        frame.get_by_role("button", name="Gesprek beëindigen").last.click()
        frame.locator(".bubble.bot", has_text="weer met de assistent").wait_for()
        expect(inbox.locator("#messages .msg.notice").last).to_contain_text("weer met de assistent")
        screenshot(inbox, "inbox-handover.png", docs=True, full_page=True)
    finally:
        staff_context.close()
