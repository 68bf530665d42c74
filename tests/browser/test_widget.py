"""The web widget in headless Chromium (Debian's, driven by Playwright) against the real stack:
chat through the embed, buttons, quick exit by button and by Shift x3, accessibility (axe-core),
narrow screens, and the screenshots docs/ shows (written to results/, copied by `make screenshots`)."""
from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe

from support.browser import assert_left_without_traces, open_widget, screenshot, web_conversations


def test_chat_a_topic_and_click_a_button(page, stack):
    frame = open_widget(page, stack)
    assert "chatassistent" in frame.locator(".bubble.bot").first.inner_text()
    frame.get_by_label("Je bericht").fill("ik heb schulden")
    frame.get_by_label("Je bericht").press("Enter")
    frame.locator(".bubble.bot", has_text="Schulden komen veel voor").wait_for()
    buttons = frame.locator(".buttons").last.get_by_role("button")
    first = buttons.first.inner_text()
    buttons.first.click()
    frame.locator(".bubble.user", has_text=first).wait_for()
    frame.locator(".bubble.bot").nth(2).wait_for()


def test_quick_exit_button_replaces_the_page_and_ends_the_conversation(page, stack):
    before = web_conversations(stack)
    frame = open_widget(page, stack)
    frame.get_by_label("Je bericht").fill("hoi")
    frame.get_by_label("Je bericht").press("Enter")
    frame.locator(".bubble.bot").nth(1).wait_for()
    assert web_conversations(stack) == before + 1
    frame.get_by_role("button", name="Snel weg").click()
    assert_left_without_traces(page, stack, before)


def test_shift_three_times_is_a_quick_exit(page, stack):
    before = web_conversations(stack)
    frame = open_widget(page, stack)
    frame.get_by_label("Je bericht").click()
    for _ in range(3):
        page.keyboard.press("Shift")
    assert_left_without_traces(page, stack, before)


QUICK_EXIT_REQUEST = "{type: 'exit-support:quick-exit-request'}"
# A third party's frame on the partner page (an ad, an analytics widget): another origin.
AD_ORIGIN = "http://ads.example.invalid"
AD_PAGE = f"""<!doctype html><script>
  parent.frames[0].postMessage({QUICK_EXIT_REQUEST}, "*");
  parent.postMessage("ad-posted", "*");
</script>"""


def test_a_quick_exit_request_from_another_origin_is_ignored(browser, stack):
    # The demo page's CSP allows frames of its own origin only; a partner page may allow ads.
    context = browser.new_context(viewport={"width": 1000, "height": 800}, bypass_csp=True)
    page = context.new_page()
    page.route(f"{AD_ORIGIN}/**", lambda route: route.fulfill(status=200, content_type="text/html", body=AD_PAGE))
    before = web_conversations(stack)
    frame = open_widget(page, stack)
    frame.get_by_label("Je bericht").fill("hoi")
    frame.get_by_label("Je bericht").press("Enter")
    frame.locator(".bubble.bot").nth(1).wait_for()
    page.evaluate("""(src) => new Promise((done) => {
        window.addEventListener("message", (event) => { if (event.data === "ad-posted") done(); });
        const ad = document.createElement("iframe");
        ad.src = src;
        document.body.appendChild(ad);
    })""", f"{AD_ORIGIN}/ad.html")
    page.wait_for_timeout(1000)  # the widget had its message long before
    assert page.url == stack.base_url + "/"
    assert frame.locator(".bubble.bot").count() >= 2
    assert web_conversations(stack) == before + 1
    context.close()


def test_a_quick_exit_request_from_the_embedding_page_is_carried_out(page, stack):
    before = web_conversations(stack)
    frame = open_widget(page, stack)
    frame.get_by_label("Je bericht").fill("hoi")
    frame.get_by_label("Je bericht").press("Enter")
    frame.locator(".bubble.bot").nth(1).wait_for()
    page.evaluate(f"document.querySelector('iframe').contentWindow.postMessage({QUICK_EXIT_REQUEST}, '*')")
    assert_left_without_traces(page, stack, before)


@pytest.mark.parametrize("language", ["nl", "en"])
def test_widget_has_no_serious_accessibility_violations(page, stack, language):
    page.goto(f"{stack.base_url}/widget?lang={language}")
    page.locator(".bubble.bot").first.wait_for()
    results = Axe().run(page)
    serious = [v["id"] for v in results.response["violations"]
               if v.get("impact") in ("serious", "critical")]
    assert serious == [], results.generate_report()


def test_widget_works_at_320_pixels_and_is_reachable_by_keyboard(browser, stack):
    context = browser.new_context(viewport={"width": 320, "height": 640})
    page = context.new_page()
    page.goto(f"{stack.base_url}/widget?lang=nl")
    page.locator(".bubble.bot").first.wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    focused = []
    for _ in range(25):
        page.keyboard.press("Tab")
        focused.append(page.evaluate("document.activeElement.id || document.activeElement.textContent"))
    assert {"quick-exit", "input", "send"} <= set(focused)
    context.close()


@pytest.mark.parametrize("language, question", [("nl", "hoe vraag ik bijstand aan"),
                                                ("en", "how do I apply for social assistance")])
def test_screenshots_for_the_docs(browser, stack, language, question):
    context = browser.new_context(viewport={"width": 400, "height": 640})
    page = context.new_page()
    page.goto(f"{stack.base_url}/widget?lang={language}")
    page.locator(".bubble.bot").first.wait_for()
    assert page.locator(".bubble.bot").first.inner_text().startswith({"nl": "Hoi!", "en": "Hi!"}[language])
    page.locator("#input").fill(question)
    page.locator("#input").press("Enter")
    page.locator(".bubble.bot").nth(1).wait_for()
    screenshot(page, f"widget-{language}.png", docs=True)
    context.close()
