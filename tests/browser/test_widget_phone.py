"""The widget as a person on a phone or with a keyboard meets it, in headless Chromium against the
real stack: Shift x3 that ignores typed capitals, reply buttons and input in view at 320x568 and
390x844, focus after a reply button, the focus ring, speaker labels, tap-to-call links, the close
button, and the client's half of the websocket protocol (worker/notice labels, status bar,
"cleared", resume parameters), whichever server protocol version is running."""
from __future__ import annotations

import json
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Frame, Page, expect

from support.browser import assert_left_without_traces, open_widget, web_conversations


KEY_DELAY_MS = 150  # a fluent typist on a phone


def type_like_a_person(page: Page, text: str) -> None:
    """Types with the Shift key held for capitals, as a person does, one key per 150 ms."""
    for index, char in enumerate(text):
        if char.isupper():
            page.keyboard.down("Shift")
            page.wait_for_timeout(40)
            page.keyboard.press(char)
            if index % 2:  # sometimes Shift comes up before the letter does
                page.keyboard.up("Shift")
            else:
                page.wait_for_timeout(30)
                page.keyboard.up("Shift")
        else:
            page.keyboard.type(char)
        page.wait_for_timeout(KEY_DELAY_MS)


def assert_still_in_the_chat(page: Page, stack) -> None:
    page.wait_for_timeout(1000)  # a quick exit would have replaced the page by now
    assert page.url == stack.base_url + "/"
    expect(page.frame_locator("iframe[title='Anonieme chat']").locator("#input")).to_be_visible()


def test_typing_capitals_in_the_chat_is_no_quick_exit_but_three_shifts_are(page, stack):
    before = web_conversations(stack)
    frame = open_widget(page, stack)
    frame.get_by_label("Je bericht").click()
    type_like_a_person(page, "Ik Ben Bang")
    assert_still_in_the_chat(page, stack)
    assert frame.get_by_label("Je bericht").input_value() == "Ik Ben Bang"
    frame.get_by_label("Je bericht").fill("")
    type_like_a_person(page, "Mijn KvK")
    assert_still_in_the_chat(page, stack)
    assert frame.get_by_label("Je bericht").input_value() == "Mijn KvK"
    for _ in range(3):
        page.keyboard.press("Shift")
        page.wait_for_timeout(KEY_DELAY_MS)
    assert_left_without_traces(page, stack, before)


def test_typing_capitals_on_the_partner_page_is_no_quick_exit_but_three_shifts_are(page, stack):
    before = web_conversations(stack)
    open_widget(page, stack)
    page.get_by_role("heading", name="Voorbeeld van een partnerwebsite").click()  # focus on the partner page
    type_like_a_person(page, "Mijn KvK")
    type_like_a_person(page, " Ik Ben Bang")
    assert_still_in_the_chat(page, stack)
    for _ in range(3):
        page.keyboard.press("Shift")
        page.wait_for_timeout(KEY_DELAY_MS)
    assert_left_without_traces(page, stack, before)


def test_three_shifts_with_a_letter_between_do_not_exit(page, stack):
    frame = open_widget(page, stack)
    frame.get_by_label("Je bericht").click()
    page.keyboard.press("Shift")
    page.keyboard.press("Shift")
    page.keyboard.type("a")
    page.keyboard.press("Shift")
    assert_still_in_the_chat(page, stack)


def _inside(box: dict, area: dict) -> bool:
    return (box["x"] >= area["x"] - 0.5 and box["y"] >= area["y"] - 0.5
            and box["x"] + box["width"] <= area["x"] + area["width"] + 0.5
            and box["y"] + box["height"] <= area["y"] + area["height"] + 0.5)


def _assert_buttons_and_input_in_view(page: Page, frame: Frame, width: int, height: int) -> None:
    frame.wait_for_function("""() => {  // the log has scrolled to its end
        const log = document.getElementById('messages');
        return log.scrollHeight - log.scrollTop - log.clientHeight < 2; }""")
    viewport = {"x": 0, "y": 0, "width": width, "height": height}
    log = frame.locator("#messages").bounding_box()
    last_button = frame.locator(".buttons").last.get_by_role("button").last.bounding_box()
    assert _inside(log, viewport), f"the message log is not all on screen: {log}"
    assert _inside(last_button, log), f"the last reply button is not in view: {last_button} in {log}"
    assert _inside(frame.locator("#input").bounding_box(), viewport)
    assert _inside(frame.locator("#send").bounding_box(), viewport)
    assert page.evaluate("window.scrollY") == 0, "the page behind the chat scrolled"
    # The room for messages is most of the screen, not what a header leaves over.
    assert log["height"] >= 0.55 * height, f"only {log['height']} px for messages"


@pytest.mark.parametrize("width, height", [(320, 568), (390, 844)])
def test_on_a_phone_the_chat_is_full_screen_and_buttons_and_input_stay_in_view(browser, stack, width, height):
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    try:
        frame = open_widget(page, stack)
        assert page.locator("iframe[title='Anonieme chat']").bounding_box() == {
            "x": 0, "y": 0, "width": width, "height": height}
        frame.locator(".buttons").first.wait_for()
        _assert_buttons_and_input_in_view(page, frame, width, height)
        frame.get_by_label("Je bericht").fill("ik heb schulden")
        frame.get_by_label("Je bericht").press("Enter")
        frame.locator(".bubble.bot", has_text="Schulden komen veel voor").wait_for()
        _assert_buttons_and_input_in_view(page, frame, width, height)
        frame.locator(".buttons").last.get_by_role("button").first.click()
        frame.locator(".bubble.bot").nth(2).wait_for()
        _assert_buttons_and_input_in_view(page, frame, width, height)
    finally:
        context.close()


def test_a_reply_button_keeps_the_focus_in_the_chat_and_old_buttons_leave(page, stack):
    frame = open_widget(page, stack)
    message = frame.get_by_label("Je bericht")
    message.fill("ik heb schulden")
    message.press("Enter")
    frame.locator(".bubble.bot", has_text="Schulden komen veel voor").wait_for()
    expect(frame.locator(".buttons")).to_have_count(1)  # the welcome's buttons are gone
    answers = frame.locator(".bubble.bot").count()
    # By keyboard: Shift+Tab from the input reaches the newest reply button; Enter presses it.
    message.focus()
    page.keyboard.press("Shift+Tab")
    assert frame.evaluate("document.activeElement.closest('.buttons') !== null")
    page.keyboard.press("Enter")
    assert frame.evaluate("document.activeElement.id") == "input"
    frame.locator(".bubble.bot").nth(answers).wait_for()
    # By mouse.
    answers = frame.locator(".bubble.bot").count()
    frame.locator(".buttons").last.get_by_role("button").first.click()
    assert frame.evaluate("document.activeElement.id") == "input"
    frame.locator(".bubble.bot").nth(answers).wait_for()
    expect(frame.locator(".buttons")).to_have_count(1)  # no pile of old tab stops


def test_a_tapped_reply_button_leaves_the_phone_keyboard_closed(browser, stack):
    """On a touch screen the log takes the focus: the input would pop up the keyboard over the
    next answer's buttons."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True)
    page = context.new_page()
    try:
        frame = open_widget(page, stack)
        answers = frame.locator(".bubble.bot").count()
        frame.locator(".buttons").last.get_by_role("button").first.tap()
        frame.locator(".bubble.bot").nth(answers).wait_for()
        assert frame.evaluate("document.activeElement.id") == "messages"
    finally:
        context.close()


def _rgb(css: str) -> tuple[float, float, float]:
    numbers = re.findall(r"[\d.]+", css)
    return float(numbers[0]), float(numbers[1]), float(numbers[2])


def _contrast(a: tuple[float, float, float], b: tuple[float, float, float]) -> float:
    def luminance(rgb: tuple[float, float, float]) -> float:
        channels = [c / 255 for c in rgb]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    high, low = sorted([luminance(a), luminance(b)], reverse=True)
    return (high + 0.05) / (low + 0.05)


WHITE = (255.0, 255.0, 255.0)


def test_the_focus_ring_stands_out_on_white_and_on_the_blue_buttons(page, stack):
    frame = open_widget(page, stack)
    frame.get_by_label("Je bericht").focus()
    page.keyboard.press("Tab")  # to "Stuur", by keyboard so :focus-visible applies
    style = frame.evaluate("""() => { const s = getComputedStyle(document.activeElement);
        return {id: document.activeElement.id, outline: s.outlineColor, width: s.outlineWidth,
                outlineStyle: s.outlineStyle, shadow: s.boxShadow, background: s.backgroundColor}; }""")
    assert style["id"] == "send"
    assert style["outlineStyle"] == "solid" and float(style["width"].rstrip("px")) >= 3
    assert _contrast(_rgb(style["outline"]), WHITE) >= 3, style
    # The yellow ring between the button and the dark outline.
    ring = _rgb(re.match(r"rgba?\([^)]*\)", style["shadow"]).group(0))
    assert _contrast(ring, _rgb(style["background"])) >= 3, style
    assert _contrast(ring, _rgb(style["outline"])) >= 3, style
    page.keyboard.press("Shift+Tab")
    outline = frame.evaluate("getComputedStyle(document.activeElement).outlineColor")
    assert frame.evaluate("document.activeElement.id") == "input"
    assert _contrast(_rgb(outline), WHITE) >= 3


@pytest.mark.parametrize("language, you, assistant, typed", [
    ("nl", "Jij:", "Assistent:", "ik heb schulden"), ("en", "You:", "Assistant:", "I have debts")])
def test_every_message_in_the_log_says_who_speaks(browser, stack, language, you, assistant, typed):
    context = browser.new_context(viewport={"width": 400, "height": 700})
    page = context.new_page()
    try:
        page.goto(f"{stack.base_url}/widget?lang={language}")
        page.locator(".bubble.bot").first.wait_for()
        page.locator("#input").fill(typed)
        page.locator("#input").press("Enter")
        page.locator(".bubble.bot").nth(1).wait_for()
        log = page.locator("[role=log]").text_content()
        assert f"{you} {typed}" in log
        assert log.startswith(assistant)
        for item in page.locator("[role=log] .message").all():
            first = item.locator(".visually-hidden").first.text_content()
            assert first in (f"{you} ", f"{assistant} "), first
        assert page.locator("#input").get_attribute("placeholder") == {
            "nl": "Typ je bericht…", "en": "Type your message…"}[language]
        assert page.locator("#language").get_attribute("aria-label") is None
    finally:
        context.close()


def test_phone_numbers_in_answers_are_tap_to_call_links(page, stack):
    frame = open_widget(page, stack)
    welcome = frame.locator(".bubble.bot").first
    expect(welcome.locator("a[href='tel:112']")).to_have_text("112")
    assert welcome.locator("*").count() == welcome.locator("a[href^='tel:']").count()  # nothing else


PHONE_CASES = {
    "Bel 112 of 113.": ["112", "113"],
    "Bel 113 of 0800-0113, of chat op 113.nl.": ["113", "0800-0113"],
    "Veilig Thuis: 0800-2000 (24/7, gratis). BelastingTelefoon 0800-0543.": ["0800-2000", "0800-0543"],
    "CoMensha (033 448 11 86), DigiD 088-123 65 55, 020 123 4567 of +31 6 12345678.":
        ["033 448 11 86", "088-123 65 55", "020 123 4567", "+31 6 12345678"],
    "Politie 0900-8844 (2026). Niet 0906-nummers.": ["0900-8844"],
    "In 2026 is het € 1.369,06 per maand, sinds 01-01-2026 en 11-06-2024; 2021-2026; €0,25.": [],
    "Artikel 1130 en 21130 en 112a.": [],
}


def test_the_phone_matcher_links_numbers_but_not_years_amounts_or_dates(page, stack):
    page.goto(f"{stack.base_url}/widget?lang=nl")
    page.locator(".bubble.bot").first.wait_for()
    for text, numbers in PHONE_CASES.items():
        parts = page.evaluate("text => window.exitSupport.phoneParts(text)", text)
        assert "".join(part["text"] for part in parts) == text
        assert [part["text"] for part in parts if part.get("tel")] == numbers, text
    parts = page.evaluate("window.exitSupport.phoneParts('bel 033 448 11 86 of +31 (0)20 123 4567')")
    assert [part["tel"] for part in parts if part.get("tel")] == ["0334481186", "+31201234567"]


def test_the_close_button_hides_the_chat_and_the_launcher_brings_it_back(page, stack):
    frame = open_widget(page, stack)
    launcher = page.get_by_role("button", name="Sluit chat", exact=True)
    expect(launcher).to_have_attribute("aria-expanded", "true")
    bubbles = frame.locator(".bubble").count()
    frame.get_by_role("button", name="Sluit chat").click()
    expect(page.locator("iframe[title='Anonieme chat']")).to_be_hidden()
    reopen = page.get_by_role("button", name="Anonieme chat")
    expect(reopen).to_have_attribute("aria-expanded", "false")
    expect(reopen).to_be_focused()
    reopen.click()
    expect(page.locator("iframe[title='Anonieme chat']")).to_be_visible()
    assert frame.locator(".bubble").count() == bubbles  # the same conversation, not a new one


# The client's half of the protocol, with the server's frames scripted, so that it holds whichever
# server runs; the lead's tests drive the same frames from the real server and the staff inbox.
class ScriptedServer:
    def __init__(self, page: Page, resumed: bool | None = False) -> None:
        self.connections: list[dict[str, list[str]]] = []
        self.received: list[str] = []
        self.sockets = []
        self.resumed = resumed
        page.route_web_socket(re.compile(r"/ws/chat"), self._connect)

    def _connect(self, ws) -> None:
        self.connections.append(parse_qs(urlsplit(ws.url).query))
        self.sockets.append(ws)
        ws.on_message(lambda text: self.received.append(json.loads(text)["text"]))
        frame = {"type": "session", "id": f"token-{len(self.connections)}"}
        if self.resumed is not None:
            frame["resumed"] = self.resumed
        ws.send(json.dumps(frame))

    def send(self, frame: dict) -> None:
        self.sockets[-1].send(json.dumps(frame))

    def wait_for_received(self, page: Page, expected: list[str]) -> None:
        """Waits for what the widget sent (and a little longer, to see nothing more comes)."""
        for _ in range(50):
            if len(self.received) >= len(expected):
                break
            page.wait_for_timeout(100)
        page.wait_for_timeout(300)
        assert self.received == expected


LIVE_CHAT = [
    {"text": "Je praat nu met Sanne van Rebelz.", "sender": "notice", "id": 5,
     "buttons": [{"title": "Gesprek beëindigen", "payload": "stop"}]},
    {"text": "Hoi, ik ben Sanne. Bel me op 033 448 11 86 <img src=x onerror=\"document.title='x'\">",
     "sender": "worker", "name": "Sanne", "id": 6, "buttons": []},
    {"text": "Denk je aan zelfdoding? Bel 113.", "automatic": True, "id": 7, "buttons": []},
]


def test_worker_notice_and_automatic_lines_are_told_apart_and_shown_once(page, stack):
    server = ScriptedServer(page)
    page.goto(f"{stack.base_url}/widget?lang=nl")
    page.wait_for_function("() => sessionStorage.getItem('exit-support:session') === 'token-1'")
    server.wait_for_received(page, ["/greet"])
    server.send({"type": "bot", "messages": [{"text": "Hoi! Waar gaat het over?",
                                              "buttons": [{"title": "Geld", "payload": "/money"}]}]})
    server.send({"type": "status", "state": "waiting", "text": "Je wacht op een PMW'er."})
    expect(page.get_by_role("status")).to_have_text("Je wacht op een PMW'er.")
    server.send({"type": "status", "state": "live", "text": "Je praat met Sanne (PMW'er)."})
    server.send({"type": "bot", "messages": LIVE_CHAT})
    server.send({"type": "bot", "messages": LIVE_CHAT[1:]})  # sent again after a reconnect
    expect(page.locator(".bubble.worker")).to_have_count(1)
    expect(page.locator(".sender").first).to_have_text("Sanne · PMW'er")
    log = page.locator("[role=log]").text_content()
    assert "Sanne (PMW'er): Sanne · PMW'erHoi, ik ben Sanne" in log
    assert "Automatisch bericht van de assistent: Automatisch bericht van de assistent" in log
    assert "Melding: Je praat nu met Sanne" in log
    assert page.locator(".from-worker img").count() == 0 and page.title() != "x"
    expect(page.locator(".bubble.worker a[href='tel:0334481186']")).to_have_text("033 448 11 86")
    # The notice's button replaced the topic buttons; the worker's line did not remove it.
    expect(page.locator(".buttons button")).to_have_text(["Gesprek beëindigen"])
    assert page.evaluate("sessionStorage.getItem('exit-support:last')") == "7"
    worker = page.evaluate("""() => { const s = getComputedStyle(document.querySelector('.bubble.worker'));
        const b = getComputedStyle(document.querySelector('.bubble.bot:not(.worker):not(.notice)'));
        return [s.backgroundColor, b.backgroundColor]; }""")
    assert worker[0] != worker[1], "a worker's message looks like the assistant's"
    results = Axe().run(page)
    serious = [v["id"] for v in results.response["violations"] if v.get("impact") in ("serious", "critical")]
    assert serious == [], results.generate_report()
    server.send({"type": "status", "state": "none", "text": ""})
    expect(page.get_by_role("status")).to_have_text("")


def test_cleared_wipes_the_screen_and_the_tab_and_starts_again(page, stack):
    server = ScriptedServer(page)
    page.goto(f"{stack.base_url}/widget?lang=nl")
    page.wait_for_function("() => sessionStorage.getItem('exit-support:session') === 'token-1'")
    server.send({"type": "bot", "messages": LIVE_CHAT})
    expect(page.locator(".bubble.worker")).to_have_count(1)
    server.send({"type": "bot", "messages": [{"text": "Gedaan. Ik heb dit gesprek gewist.", "buttons": []}]})
    server.send({"type": "cleared"})
    page.wait_for_function("() => sessionStorage.getItem('exit-support:session') === 'token-2'")
    assert "session" not in server.connections[1]
    expect(page.locator(".bubble")).to_have_count(1)
    expect(page.locator(".bubble")).to_have_text("Je gesprek is gewist. Hieronder begint een nieuw gesprek.")
    assert page.evaluate("sessionStorage.getItem('exit-support:last')") is None
    server.wait_for_received(page, ["/greet", "/greet"])


def test_a_reload_resumes_with_the_stored_token_and_a_drop_reconnects_quietly(page, stack):
    server = ScriptedServer(page)
    page.goto(f"{stack.base_url}/widget?lang=nl")
    page.wait_for_function("() => sessionStorage.getItem('exit-support:session') === 'token-1'")
    server.send({"type": "bot", "messages": LIVE_CHAT})
    page.wait_for_function("() => sessionStorage.getItem('exit-support:last') === '7'")
    server.resumed = True
    page.reload()
    page.wait_for_function("() => sessionStorage.getItem('exit-support:session') === 'token-2'")
    assert server.connections[1] == {"lang": ["nl"], "session": ["token-1"], "last": ["7"], "fresh": ["1"]}
    server.wait_for_received(page, ["/greet"])  # a resumed conversation is not greeted again
    server.send({"type": "bot", "messages": LIVE_CHAT})  # the live chat so far, for the empty screen
    expect(page.locator(".bubble.worker")).to_have_count(1)
    server.sockets[-1].close()
    expect(page.locator(".bubble", has_text="De verbinding is weg")).to_have_count(1)
    page.wait_for_function("() => sessionStorage.getItem('exit-support:session') === 'token-3'", timeout=10_000)
    assert server.connections[2] == {"lang": ["nl"], "session": ["token-2"], "last": ["7"]}
    expect(page.locator(".bubble.worker")).to_have_count(1)


def test_a_server_without_resume_starts_a_new_conversation(page, stack):
    server = ScriptedServer(page, resumed=None)  # the protocol before this change: no `resumed`
    page.goto(f"{stack.base_url}/widget?lang=nl")
    page.wait_for_function("() => sessionStorage.getItem('exit-support:session') === 'token-1'")
    page.reload()
    page.wait_for_function("() => sessionStorage.getItem('exit-support:session') === 'token-2'")
    server.wait_for_received(page, ["/greet", "/greet"])
