"""Each guided check in the widget, in headless Chromium against the real stack, with
buttons alone: from the welcome to the personal list of next steps. Each run writes its Dutch
transcript and how long the machine took to results/checks/ (the note quotes them); the time a
person needs is their reading, so the test asserts the number of presses, not seconds."""
from __future__ import annotations

import time
from pathlib import Path

import pytest
from playwright.sync_api import Page



RESULTS = Path(__file__).resolve().parents[2] / "results" / "checks"
# About six questions and a few presses to reach the check: a person reads and presses this many
# times in well under two minutes.
MOST_PRESSES = 9

# check -> the buttons a person presses, from the welcome; and a text the result must show.
WALKS = {
    "income": (["Alle onderwerpen", "Doe de inkomenscheck", "21 tot 27", "Ja", "Via de KvK", "Alleen", "Nee"],
               "Vraag eerst de Bbz aan"),
    "debt": (["Schulden", "Doe de schuldencheck", "Huur", "Nee", "Ja, uit mijn huis", "Nee"],
             "3 werkdagen"),
    "housing": (["Wonen", "Doe de wooncheck", "Op mijn werkplek", "Nee", "Ja, binnen een paar weken", "Ja", "Nee"],
                "0800-2000"),
    "stopping": (["Alle onderwerpen", "Stoppen als zzp'er", "Doe de stopcheck", "Via de KvK", "Nog niet", "Nee",
                  "Ja", "Ja"], "Bbz"),
    "scan": (["Alle onderwerpen", "Hoe gaat het met je? (korte check)", "Ik maak me zorgen", "Gaat goed",
              "Kan beter", "Gaat goed", "Gaat goed", "Kan beter"], "Geld"),
}


def press(page: Page, title: str) -> list[str]:
    """Presses a button of the newest row; returns the assistant's whole answer, bubble by bubble."""
    before = page.locator(".bubble.bot").count()
    page.locator(".buttons").last.get_by_role("button", name=title, exact=True).click()
    page.wait_for_function("n => document.querySelectorAll('.bubble.bot').length > n", arg=before)
    page.locator("#typing").wait_for(state="hidden")
    return page.locator(".bubble.bot").all_inner_texts()[before:]


def transcript(page: Page) -> str:
    lines = []
    for bubble in page.locator(".bubble").all():
        who = "Gebruiker" if "user" in (bubble.get_attribute("class") or "") else "Assistent"
        lines.append(f"{who}: {bubble.inner_text()}")
    return "\n\n".join(lines)


@pytest.mark.parametrize("check", list(WALKS))
def test_each_check_runs_with_buttons_alone(page, stack, check):
    presses, shown = WALKS[check]
    page.goto(f"{stack.base_url}/widget?lang=nl")
    page.locator(".buttons").first.wait_for()
    started = time.monotonic()
    for title in presses:
        result = press(page, title)
    took = time.monotonic() - started
    # The result: the personal lists and the offer of a next step, after the last answer.
    assert len(result) >= 2 and any(shown in bubble for bubble in result), transcript(page)
    # The result ends in a next step the user can press: a person, the menu or sharing the scan.
    assert page.locator(".buttons").last.get_by_role("button").count() >= 2
    assert len(presses) <= MOST_PRESSES
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{check}.txt").write_text(
        f"# {check}: {len(presses)} presses, {took:.1f} s of machine time\n\n{transcript(page)}\n",
        encoding="utf-8")
