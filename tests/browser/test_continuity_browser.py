"""A conversation survives what happens to a phone: a dropped connection in the middle of a live
chat (messages in flight both ways arrive once), a reload and a click to another page of the
partner site, the reference code typed on another device; and a user who leaves in a hurry is
reported to the worker. Headless Chromium on both sides against the real stack.
"""
from __future__ import annotations

import json
import re
import urllib.request
import uuid

from playwright.sync_api import Frame, Page, expect

from bot.gateway.pseudonym import conversation_id

from support.browser import open_widget, screenshot, staff_login

STORED_SESSION = "exit-support:session"


def stored_token(frame: Frame) -> str | None:
    return frame.evaluate(f"sessionStorage.getItem('{STORED_SESSION}')")


def say(frame: Frame, text: str) -> None:
    count = frame.locator(".bubble.bot").count()
    message = frame.get_by_label("Je bericht")
    message.fill(text)
    message.press("Enter")
    frame.locator(".bubble.bot").nth(count).wait_for()


def hand_over(stack, frame: Frame) -> str:
    """The handover the form would make, for this widget's conversation; returns its code."""
    conversation = conversation_id(stack.secret_key, "web", stored_token(frame))
    body = {"conversation": conversation, "municipality": "Apeldoorn", "contact": "chat",
            "availability": "anytime", "language": "nl", "consent": True, "topics": ["ask_debt"],
            "urgent": False}
    headers = {"Content-Type": "application/json",
               "Authorization": f"Bearer {stack.boundary_tokens['INTERNAL_TOKEN']}"}
    request = urllib.request.Request(f"{stack.base_url}/internal/v1/handovers", data=json.dumps(body).encode(),
                                     method="POST", headers=headers)
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())["reference"]


def worker_inbox(browser, stack, reference: str) -> tuple[object, Page]:
    account = json.loads(stack.bot_command(
        "users", "add", "--email", f"dewi-{uuid.uuid4().hex[:8]}@rebelz.nl", "--role", "worker",
        "--region", "apeldoorn", "--name", "Dewi", "--json"))
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    inbox = context.new_page()
    staff_login(inbox, stack, account, "Overdrachten")
    inbox.get_by_role("link", name=reference).click()
    expect(inbox.get_by_role("heading", name=f"Overdracht {reference}")).to_be_visible()
    return context, inbox


def claim_and_write(inbox: Page, frame: Frame, text: str) -> None:
    inbox.get_by_role("button", name="Oppakken en het gesprek starten").click()
    frame.locator(".bubble", has_text="Je praat nu met Dewi van Rebelz").wait_for()
    inbox.wait_for_function("() => document.body.dataset.live === '1'")
    worker_writes(inbox, text)
    frame.locator(".bubble", has_text=text).wait_for()


def worker_writes(inbox: Page, text: str) -> None:
    inbox.get_by_label("Bericht").fill(text)
    inbox.get_by_role("button", name="Versturen").click()
    inbox.locator("#messages .msg.worker .text", has_text=text).wait_for()


def test_a_dropped_connection_mid_live_chat_loses_nothing_either_way(browser, stack):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    sockets, network = [], {"down": False}

    def through(route):  # the real server, unless the "network" is down
        if network["down"]:
            route.close()
            return
        route.connect_to_server()
        sockets.append(route)
    context.route_web_socket(re.compile(r".*/ws/chat.*"), through)
    page = context.new_page()
    staff = None
    try:
        frame = open_widget(page, stack)
        say(frame, "ik heb schulden")
        reference = hand_over(stack, frame)
        staff, inbox = worker_inbox(browser, stack, reference)
        claim_and_write(inbox, frame, "Hoi, ik ben Dewi.")
        worker = frame.locator(".message", has_text="Hoi, ik ben Dewi.")
        expect(worker.locator(".sender")).to_have_text("Dewi · PMW'er")  # a person, not the assistant
        screenshot(page, "widget-worker-message.png", docs=True)

        network["down"] = True  # a train tunnel: the socket drops and reconnecting fails for a while
        sockets[-1].close()
        frame.locator(".bubble", has_text="verbinding is weg").wait_for()
        worker_writes(inbox, "Ben je er nog? Ik wacht.")
        frame.get_by_label("Je bericht").fill("sorry, mijn verbinding viel weg")
        frame.get_by_label("Je bericht").press("Enter")
        expect(inbox.locator("#presence")).to_contain_text("niet verbonden")

        network["down"] = False
        frame.locator(".bubble", has_text="Ben je er nog? Ik wacht.").wait_for(timeout=30_000)
        inbox.locator("#messages .msg.user .text", has_text="sorry, mijn verbinding viel weg").wait_for(
            timeout=30_000)
        expect(frame.locator(".bubble", has_text="Ben je er nog? Ik wacht.")).to_have_count(1)
        expect(frame.locator(".bubble", has_text="Hoi, ik ben Dewi.")).to_have_count(1)
        expect(inbox.locator("#messages .msg.user .text", has_text="sorry, mijn verbinding")).to_have_count(1)
        expect(inbox.locator("#presence")).to_contain_text("is verbonden")
    finally:
        if staff is not None:
            staff.close()
        context.close()


def test_a_reload_and_a_partner_page_resume_the_waiting_and_the_live_chat(browser, page, stack):
    frame = open_widget(page, stack)
    say(frame, "ik wil met iemand praten over schulden")
    reference = hand_over(stack, frame)
    say(frame, "hallo? is er iemand")
    status = frame.locator("[role=status]")
    expect(status).to_contain_text("Rebelz")
    expect(frame.locator(".bubble").last).to_contain_text("Wat je nu typt, leest de PMW'er")
    screenshot(page, "widget-waiting.png", docs=True)
    token = stored_token(frame)

    page.reload()
    page.get_by_role("button", name="Anonieme chat").click()
    frame = page.frames[-1]
    frame.locator(".bubble", has_text="Je gesprek gaat verder").wait_for()
    assert stored_token(frame) == token
    expect(frame.locator("[role=status]")).to_contain_text("Rebelz")

    staff, inbox = worker_inbox(page.context.browser, stack, reference)
    try:
        expect(inbox.locator("#messages .msg.user .text")).to_have_text(["hallo? is er iemand"])
        claim_and_write(inbox, frame, "Hoi, ik heb je bericht gelezen.")
        page.goto(stack.base_url + "/?another-page")  # the user clicks on to another page of the site
        page.get_by_role("button", name="Anonieme chat").click()
        frame = page.frames[-1]
        frame.locator(".bubble", has_text="Je gesprek gaat verder").wait_for()
        expect(frame.locator(".bubble", has_text="Hoi, ik heb je bericht gelezen.")).to_have_count(1)
        expect(frame.locator(".bubble", has_text="hallo? is er iemand")).to_have_count(1)
        expect(frame.locator("[role=status]")).to_contain_text("Dewi")
    finally:
        staff.close()


def test_a_quick_exit_during_a_live_chat_tells_the_worker_and_leaves_nothing(browser, page, stack):
    frame = open_widget(page, stack)
    say(frame, "ik ben bang")
    reference = hand_over(stack, frame)
    staff, inbox = worker_inbox(browser, stack, reference)
    try:
        claim_and_write(inbox, frame, "Ik ben er. Wat is er gebeurd?")
        frame.get_by_label("Je bericht").fill("hij komt eraan")
        frame.get_by_label("Je bericht").press("Enter")
        inbox.locator("#messages .msg.user .text", has_text="hij komt eraan").wait_for()
        frame.get_by_role("button", name="Snel weg").click()
        page.wait_for_url(stack.base_url + "/healthz")  # the tests' neutral site
        page.wait_for_load_state()
        # Same origin as the widget here: its token and last id are gone from the tab.
        assert page.evaluate("sessionStorage.length + localStorage.length") == 0

        inbox.locator("text=heeft de chat verlaten").wait_for(timeout=15_000)
        expect(inbox.locator("#status")).to_contain_text("gebruiker ging weg")
        expect(inbox.locator("#messages")).not_to_contain_text("hij komt eraan")
        screenshot(inbox, "inbox-user-left.png", docs=True, full_page=True)
        inbox.reload()
        expect(inbox.get_by_role("heading", name=f"Overdracht {reference}")).to_be_visible()
    finally:
        staff.close()
    # Back on the partner site in the same tab: a new conversation, nothing to resume.
    page.goto(stack.base_url + "/")
    frame = open_widget(page, stack)
    expect(frame.locator(".bubble", has_text="Je gesprek gaat verder")).to_have_count(0)
    expect(frame.locator(".bubble", has_text="Dewi")).to_have_count(0)


def test_wis_gesprek_clears_the_screen_and_the_stored_token(page, stack):
    frame = open_widget(page, stack)
    say(frame, "ik ben bang voor mijn pooier")
    before = stored_token(frame)
    frame.get_by_role("button", name="Wis gesprek").click()
    frame.get_by_role("button", name="Ja, wis alles").click()
    frame.locator(".bubble", has_text="gewist").first.wait_for()
    expect(frame.locator(".bubble", has_text="pooier")).to_have_count(0)
    frame.wait_for_function("b => sessionStorage.getItem('exit-support:session') !== b", arg=before)


def test_the_code_brings_the_user_back_on_another_device(browser, page, stack):
    frame = open_widget(page, stack)
    say(frame, "ik wil stoppen en heb hulp nodig")
    reference = hand_over(stack, frame)
    staff, inbox = worker_inbox(browser, stack, reference)
    other = browser.new_context(viewport={"width": 390, "height": 844})
    try:
        claim_and_write(inbox, frame, "Ik bel je morgen niet, ik schrijf hier.")
        page.close()  # the first phone is gone
        elsewhere = open_widget(other.new_page(), stack)
        say(elsewhere, f"mijn code is {reference}")
        elsewhere.get_by_role("button", name="Ja, ga verder").click()
        elsewhere.locator(".bubble", has_text="Ik bel je morgen niet, ik schrijf hier.").wait_for()
        inbox.locator("#messages .msg", has_text="terug met de code").wait_for()
        say_live = elsewhere.get_by_label("Je bericht")
        say_live.fill("ik ben het, op een andere telefoon")
        say_live.press("Enter")
        inbox.locator("#messages .msg.user .text", has_text="op een andere telefoon").wait_for()
    finally:
        other.close()
        staff.close()
