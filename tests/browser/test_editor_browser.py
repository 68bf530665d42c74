"""A content editor in headless Chromium: find an answer, edit it with the live preview, save a
draft (not served), publish (served at once through the REST channel and Rasa, no retraining),
roll back from the history. Takes the screenshots of docs/editor-guide.md (and new ones to results/,
which git ignores)."""
from __future__ import annotations

import json
import re
import uuid

from playwright.sync_api import Page, expect

from support.browser import screenshot, staff_login



ANSWER = "utter_goodbye"


def goodbye(stack) -> str:
    return stack.chat(f"editor-{uuid.uuid4().hex[:8]}", "doei, tot ziens")[0]["text"]


def log_in_as_editor(page: Page, stack) -> None:
    account = json.loads(stack.bot_command("users", "add", "--email", f"ed-{uuid.uuid4().hex[:8]}@x.nl",
                                           "--role", "editor", "--name", "Eva", "--json"))
    staff_login(page, stack, account, "Antwoorden")


def test_edit_preview_publish_and_roll_back(page, stack):
    original = goodbye(stack)
    assert original.startswith("Dag!")
    log_in_as_editor(page, stack)
    page.get_by_label("Zoeken").fill("Je kunt altijd terugkomen")
    page.get_by_role("button", name="Zoeken").click()
    screenshot(page, "editor-list.png", docs=True, full_page=True)
    page.get_by_role("link", name="goodbye").click()

    text = page.locator("textarea[name=text_nl]")
    text.fill("Dag! Tot de volgende keer. Je bent altijd welkom.")
    expect(page.locator("#preview-text")).to_have_text("Dag! Tot de volgende keer. Je bent altijd welkom.")
    screenshot(page, "editor-answer.png", docs=True, full_page=True)

    page.get_by_role("button", name="Concept bewaren").click()
    expect(page.get_by_role("status")).to_contain_text("Concept bewaard")
    assert goodbye(stack) == original  # a draft is never served

    page.get_by_role("button", name="Publiceren").click()
    expect(page.get_by_role("status")).to_contain_text("Gepubliceerd")
    assert goodbye(stack) == "Dag! Tot de volgende keer. Je bent altijd welkom."

    page.get_by_role("link", name="Geschiedenis").click()
    screenshot(page, "editor-history.png", docs=True, full_page=True)
    page.get_by_role("button", name="Deze versie weer publiceren").last.click()
    assert goodbye(stack) == original


def test_a_refused_edit_says_why_and_keeps_what_was_typed(page, stack):
    log_in_as_editor(page, stack)
    page.goto(f"{stack.base_url}/staff/editor/answers/{ANSWER}")
    page.locator("textarea[name=text_en]").fill("Bye {name}!")
    page.get_by_role("button", name="Publiceren").click()
    expect(page.get_by_role("alert")).to_contain_text("Onbekende invulplek {name} in de Engelse tekst")
    expect(page.locator("textarea[name=text_en]")).to_have_value("Bye {name}!")
    assert goodbye(stack).startswith("Dag!")


DURATION = "utter_ask_exit_program/duration"


def test_an_editor_finds_an_answer_by_the_question_users_ask(page, stack):
    log_in_as_editor(page, stack)
    page.get_by_label("Zoeken").fill("hoe lang")
    page.get_by_role("button", name="Zoeken").click()
    found = page.get_by_role("link", name="Hoe lang duurt een uitstapprogramma, en mag ik terug?")
    expect(found).to_be_visible()
    expect(found.locator(".key")).to_have_text("ask_exit_program/duration")
    screenshot(page, "editor-search.png", full_page=True)
    found.click()
    expect(page.get_by_role("heading", name="ask_exit_program/duration")).to_be_visible()
    expect(page.locator("textarea[name=text_nl]")).to_have_value(re.compile("^Er is geen vaste duur"))


def test_the_history_shows_a_change_at_the_end_of_a_long_line(page, stack):
    log_in_as_editor(page, stack)
    page.goto(f"{stack.base_url}/staff/editor/answers/{DURATION}")
    text = page.locator("textarea[name=text_nl]")
    text.fill(text.input_value().replace("Je kunt altijd weer contact opnemen.",
                                         "Je kunt altijd weer contact opnemen, ook na een paar jaar."))
    page.get_by_role("button", name="Publiceren").click()
    expect(page.get_by_role("status")).to_contain_text("Gepubliceerd")
    page.get_by_role("link", name="Geschiedenis").click()
    added = page.locator("li").first.locator("ins")
    expect(added).to_have_text("opnemen, ook na een paar jaar.")
    expect(page.locator("li").first.locator("del")).to_have_text("opnemen.")
    # Wrapped, not clipped: the change is inside the window and nothing scrolls sideways.
    box = added.bounding_box()
    assert box is not None and box["x"] + box["width"] <= page.viewport_size["width"]
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    screenshot(page, "editor-history-wrapped.png", full_page=True)
    # Back to the original for the other tests of this stack.
    page.get_by_role("button", name="Deze versie weer publiceren").last.click()
    expect(page.locator("li").first.locator("del")).to_have_text("opnemen, ook na een paar jaar.")


def danger_answer(stack) -> str:
    return stack.chat(f"editor-{uuid.uuid4().hex[:8]}", "ik ben in gevaar")[0]["text"]


def test_a_safety_answer_is_served_only_after_a_second_editor_approves(page, browser, stack):
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
    screenshot(second, "editor-approval.png", docs=True, full_page=True)
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
