"""The PMW worker's inbox in headless Chromium, as a worker uses it during a shift: a new handover
on the open queue gives a title badge, a sound and a notification without personal data, and the
waiting time counts up; in a live chat Enter sends, Shift+Enter makes a new line, live messages
show Dutch time in a box that scrolls, the assistant's automatic lines are labelled, the worker
sees the user leave, and ending asks first. The user side is the REST channel or the widget.

The browser runs in UTC on purpose: Dutch time must not depend on the computer's zone.
Screenshots go to results/ (git-ignored).
"""
from __future__ import annotations

import json
import re
import urllib.request
import uuid

import pytest
from playwright.sync_api import Page, expect

from support.browser import open_widget, screenshot, staff_login


FORM_ANSWERS = ["Apeldoorn", "hier in de chat", "maakt niet uit", "Nederlands", "ja"]
QUEUE_TITLE = "Overdrachten · Uitstap-assistent"
# Records what the page shows and plays, then lets the browser's own objects do it.
SPY = """
window.__shown = [];
window.__tones = 0;
const RealNotification = window.Notification;
window.Notification = class extends RealNotification {
  constructor(title, options) { window.__shown.push({title, body: (options || {}).body || ""}); super(title, options); }
};
const realOscillator = AudioContext.prototype.createOscillator;
AudioContext.prototype.createOscillator = function () { window.__tones += 1; return realOscillator.call(this); };
"""


def ask_for_a_person(stack, sender: str) -> str:
    """The user asks for a person and answers the form; returns the reference they are given."""
    replies = stack.chat(sender, "ik wil met iemand praten")
    assert any("PMW" in r["text"] for r in replies), replies
    for answer in FORM_ANSWERS:
        replies = stack.chat(sender, answer)
    found = re.search(r"\b[A-Z2-9]{3}-[A-Z2-9]{3}\b", " ".join(r["text"] for r in replies))
    assert found, replies
    return found.group(0)


def pending(stack, sender: str) -> list[str]:
    request = urllib.request.Request(f"{stack.base_url}/api/v1/chat/pending",
                                     headers={"Authorization": f"Bearer {stack.sender(sender)}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return [m["text"] for m in json.loads(response.read())]


@pytest.fixture
def inbox(browser, stack):
    """A logged-in worker of Apeldoorn on the queue page, in a browser set to UTC."""
    account = json.loads(stack.bot_command(
        "users", "add", "--email", f"sanne-{uuid.uuid4().hex[:8]}@rebelz.nl", "--role", "worker",
        "--region", "apeldoorn", "--name", "Sanne", "--json"))
    context = browser.new_context(viewport={"width": 1100, "height": 900}, timezone_id="UTC")
    context.grant_permissions(["notifications"])
    context.add_init_script(SPY)
    page = context.new_page()
    page.clock.install()  # runs on by itself; lets the test move time forward
    staff_login(page, stack, account, "Overdrachten")
    yield page
    context.close()


def claim_a_live_chat(page: Page, stack) -> str:
    """A REST user asks for a person; the worker claims it from the queue. Returns the user's id."""
    sender = f"inbox-{uuid.uuid4().hex[:10]}"
    reference = ask_for_a_person(stack, sender)
    page.goto(stack.base_url + "/staff/")
    page.get_by_role("link", name=reference).click()
    page.get_by_role("button", name="Oppakken en het gesprek starten").click()
    expect(page.locator("#messages .msg.notice")).to_have_count(1)
    expect(page.locator("body")).to_have_attribute("data-live", "1")  # the socket is open
    assert pending(stack, sender)[0].startswith("Je praat nu met Sanne")
    return sender


def test_a_new_handover_alerts_the_open_queue(inbox, stack):
    inbox.get_by_role("button", name="Meldingen aanzetten").click()
    expect(inbox.get_by_role("status")).to_contain_text("Meldingen staan aan")
    expect(inbox.get_by_role("button", name="Meldingen uitzetten")).to_be_visible()
    assert inbox.evaluate("window.__tones") > 0, "turning alerts on plays the sound once"
    tones = inbox.evaluate("window.__tones")
    inbox.evaluate("window.notReloaded = true")

    reference = ask_for_a_person(stack, f"inbox-{uuid.uuid4().hex[:10]}")

    expect(inbox).to_have_title(f"(1) {QUEUE_TITLE}")
    row = inbox.locator("#queue tr", has=inbox.get_by_role("link", name=reference))
    expect(row).to_have_class(re.compile(r"\bnew\b"))
    expect(row.locator(".waited")).to_have_text("wacht < 1 min")
    assert inbox.evaluate("window.notReloaded") is True, "the list is updated in place"
    assert inbox.evaluate("window.__tones") > tones, "a sound for the new handover"
    # The region only: no reference, no topics, nothing the user typed.
    region = row.locator("td").nth(1).inner_text()
    assert inbox.evaluate("window.__shown") == [{"title": f"Nieuwe overdracht in {region}", "body": ""}]
    screenshot(inbox, "inbox-queue-new-handover.png", full_page=True)

    inbox.clock.fast_forward("12:00")
    expect(row.locator(".waited")).to_have_text("wacht 12 min")

    inbox.get_by_role("heading", name="Overdrachten").click()  # the worker looks at the page
    expect(inbox).to_have_title(QUEUE_TITLE)
    inbox.reload()
    expect(inbox).to_have_title(QUEUE_TITLE)
    expect(inbox.get_by_role("button", name="Meldingen uitzetten")).to_be_visible()  # remembered in this tab


def test_enter_sends_and_shift_enter_makes_a_new_line(inbox, stack):
    sender = claim_a_live_chat(inbox, stack)
    box = inbox.get_by_label("Bericht", exact=True)

    box.fill("Hoi, ik ben Sanne.")
    box.press("Enter")
    expect(inbox.locator("#messages .msg.worker .text")).to_have_text(["Hoi, ik ben Sanne."])
    expect(box).to_have_value("")
    assert pending(stack, sender) == ["Hoi, ik ben Sanne."]

    box.press_sequentially("Eerste regel")
    box.press("Shift+Enter")
    box.press_sequentially("tweede regel")
    expect(box).to_have_value("Eerste regel\ntweede regel")
    expect(inbox.locator("#messages .msg.worker")).to_have_count(1)
    box.press("Enter")
    expect(inbox.locator("#messages .msg.worker")).to_have_count(2)
    assert pending(stack, sender) == ["Eerste regel\ntweede regel"]

    # Live-appended times are Dutch time, like the ones the server renders after a reload.
    live_time = inbox.locator("#messages .msg.worker time").last.inner_text()
    for number in range(25):
        assert stack.chat(sender, f"bericht {number}") == []
    last = inbox.locator("#messages .msg.user").last
    expect(last.locator(".text")).to_have_text("bericht 24")
    log = inbox.locator("#messages")
    within = inbox.evaluate("""() => { const log = document.getElementById('messages');
        const last = log.lastElementChild.getBoundingClientRect(), box = log.getBoundingClientRect();
        return {scrolls: log.scrollHeight > log.clientHeight, height: box.height,
                lastShown: last.bottom <= box.bottom + 1 && last.top >= box.top - 1}; }""")
    assert within["scrolls"] and within["lastShown"], within
    assert within["height"] <= 0.6 * 900 + 1
    composer_y = box.bounding_box()["y"]
    stack.chat(sender, "nog een")
    expect(log.locator(".msg.user .text").last).to_have_text("nog een")
    assert box.bounding_box()["y"] == composer_y, "the composer stays where it is"
    screenshot(inbox, "inbox-live-chat.png", full_page=True)

    inbox.reload()
    expect(inbox.locator("#messages .msg.worker time").last).to_have_text(live_time)


def test_the_worker_sees_when_the_user_leaves(inbox, page, stack):
    frame = open_widget(page, stack)
    message = frame.get_by_label("Je bericht")
    for text in ["ik wil met iemand praten", *FORM_ANSWERS]:
        count = frame.locator(".bubble.bot").count()
        message.fill(text)
        message.press("Enter")
        frame.locator(".bubble.bot").nth(count).wait_for()
    code = frame.locator(".bubble.bot").filter(has_text=re.compile(r"[A-Z2-9]{3}-[A-Z2-9]{3}")).first
    code.wait_for()
    reference = re.search(r"[A-Z2-9]{3}-[A-Z2-9]{3}", code.inner_text()).group(0)
    inbox.goto(stack.base_url + "/staff/")
    inbox.get_by_role("link", name=reference).click()
    inbox.get_by_role("button", name="Oppakken en het gesprek starten").click()
    expect(inbox.locator("body")).to_have_attribute("data-live", "1")
    presence = inbox.locator("#presence")
    expect(presence).to_have_text("De gebruiker is verbonden.")

    page.close()  # the user closes the tab
    expect(presence).to_have_attribute("data-state", "offline")
    live = presence.inner_text()
    assert re.match(r"De gebruiker is niet verbonden sinds \d\d:\d\d\. Je berichten wachten tot de "
                    r"gebruiker terug is", live), live
    inbox.reload()
    expect(presence).to_have_text(live)  # the same words and the same Dutch time as the server's


def test_ending_asks_first_and_no_keeps_the_chat_live(inbox, stack):
    sender = claim_a_live_chat(inbox, stack)
    send = inbox.get_by_role("button", name="Versturen")
    end = inbox.get_by_role("button", name="Chat beëindigen")
    assert end.bounding_box()["y"] - (send.bounding_box()["y"] + send.bounding_box()["height"]) >= 24

    end.click()
    expect(inbox.get_by_text("Weet je het zeker?")).to_be_visible()
    expect(end).to_be_hidden()
    screenshot(inbox, "inbox-end-confirm.png", full_page=True)
    inbox.get_by_role("button", name="Nee").click()
    expect(inbox.get_by_text("Weet je het zeker?")).to_be_hidden()
    expect(end).to_be_visible()

    assert stack.chat(sender, "ben je er nog?") == [], "still live: the worker gets it, not the bot"
    expect(inbox.locator("#messages .msg.user .text").last).to_have_text("ben je er nog?")
    # The assistant's automatic safety lines to the user show for the worker, marked as such.
    told = stack.chat(sender, "ik wil niet meer leven")
    assert any("113" in reply["text"] for reply in told), told
    automatic = inbox.locator("#messages .msg.assistant").last
    expect(automatic.locator(".who")).to_have_text("Assistent (automatisch)")
    expect(automatic.locator(".text")).to_contain_text("113")
    assert not any("beëindigd" in text for text in pending(stack, sender))

    end.click()
    inbox.get_by_role("button", name="Ja, beëindigen").click()
    expect(inbox.get_by_role("button", name="Versturen")).to_have_count(0)
    assert pending(stack, sender)[-1].startswith("De PMW'er heeft het gesprek beëindigd")
