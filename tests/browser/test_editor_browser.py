"""A content editor in headless Chromium: find an answer, edit it with the live preview, save a
draft (not served), publish (served at once through the REST channel and Rasa, no retraining),
roll back from the history. Takes the screenshots of docs/editor-guide.md."""
from __future__ import annotations

import json
import uuid

from playwright.sync_api import Page, expect

from staff_login import staff_login
from test_widget import DOCS, browser, page  # noqa: F401  (fixtures)

ANSWER = "utter_goodbye"


def goodbye(stack) -> str:
    return stack.chat(f"editor-{uuid.uuid4().hex[:8]}", "doei, tot ziens")[0]["text"]


def log_in_as_editor(page: Page, stack) -> None:
    account = json.loads(stack.bot_command("users", "add", "--email", f"ed-{uuid.uuid4().hex[:8]}@x.nl",
                                           "--role", "editor", "--name", "Eva", "--json"))
    staff_login(page, stack, account, "Antwoorden")


def test_edit_preview_publish_and_roll_back(page, stack):  # noqa: F811
    original = goodbye(stack)
    assert original.startswith("Dag!")
    log_in_as_editor(page, stack)
    page.get_by_label("Zoeken").fill("Je kunt altijd terugkomen")
    page.get_by_role("button", name="Zoeken").click()
    page.screenshot(path=str(DOCS / "editor-list.png"), full_page=True)
    page.get_by_role("link", name="goodbye").click()

    text = page.locator("textarea[name=text_nl]")
    text.fill("Dag! Tot de volgende keer. Je bent altijd welkom.")
    expect(page.locator("#preview-text")).to_have_text("Dag! Tot de volgende keer. Je bent altijd welkom.")
    page.screenshot(path=str(DOCS / "editor-answer.png"), full_page=True)

    page.get_by_role("button", name="Concept bewaren").click()
    expect(page.get_by_role("status")).to_contain_text("Concept bewaard")
    assert goodbye(stack) == original  # a draft is never served

    page.get_by_role("button", name="Publiceren").click()
    expect(page.get_by_role("status")).to_contain_text("Gepubliceerd")
    assert goodbye(stack) == "Dag! Tot de volgende keer. Je bent altijd welkom."

    page.get_by_role("link", name="Geschiedenis").click()
    page.screenshot(path=str(DOCS / "editor-history.png"), full_page=True)
    page.get_by_role("button", name="Deze versie weer publiceren").last.click()
    assert goodbye(stack) == original


def test_a_refused_edit_says_why_and_keeps_what_was_typed(page, stack):  # noqa: F811
    log_in_as_editor(page, stack)
    page.goto(f"{stack.base_url}/staff/editor/answers/{ANSWER}")
    page.locator("textarea[name=text_en]").fill("Bye {name}!")
    page.get_by_role("button", name="Publiceren").click()
    expect(page.get_by_role("alert")).to_contain_text("unknown placeholder {name}")
    expect(page.locator("textarea[name=text_en]")).to_have_value("Bye {name}!")
    assert goodbye(stack).startswith("Dag!")


def danger_answer(stack) -> str:
    return stack.chat(f"editor-{uuid.uuid4().hex[:8]}", "ik ben in gevaar")[0]["text"]


def test_a_safety_answer_is_served_only_after_a_second_editor_approves(page, browser, stack):  # noqa: F811
    original = danger_answer(stack)
    log_in_as_editor(page, stack)
    page.goto(f"{stack.base_url}/staff/editor/answers/utter_crisis/danger")
    text = page.locator("textarea[name=text_nl]")
    changed = text.input_value() + "\nJe mag altijd opnieuw bellen."
    text.fill(changed)
    page.get_by_role("button", name="Publiceren").click()
    expect(page.get_by_role("status")).to_contain_text("tweede redacteur")
    expect(page.get_by_role("button", name="Goedkeuren en publiceren")).to_have_count(0)
    assert danger_answer(stack) == original  # one editor alone changes nothing

    second = browser.new_context(viewport={"width": 1000, "height": 800}).new_page()
    log_in_as_editor(second, stack)
    second.get_by_role("link", name="Wacht op goedkeuring").click()
    second.get_by_role("link", name="crisis/danger").click()
    expect(second.locator(".pending .diff")).to_contain_text("Je mag altijd opnieuw bellen.")
    second.screenshot(path=str(DOCS / "editor-approval.png"), full_page=True)
    second.get_by_role("button", name="Goedkeuren en publiceren").click()
    expect(second.locator("li").filter(has_text="goedgekeurd door")).to_have_count(1)
    assert danger_answer(stack) == changed

    # Back to the original (other tests of this stack read it): a rollback waits for approval too.
    page.goto(f"{stack.base_url}/staff/editor/answers/utter_crisis/danger/history")
    page.get_by_role("button", name="Deze versie weer publiceren").last.click()
    expect(page.get_by_role("heading", name="Wacht op goedkeuring")).to_be_visible()
    assert danger_answer(stack) == changed
    second.goto(f"{stack.base_url}/staff/editor/answers/utter_crisis/danger")
    second.get_by_role("button", name="Goedkeuren en publiceren").click()
    assert danger_answer(stack) == original
    second.context.close()
