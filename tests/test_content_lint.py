"""The content lint (bot/content/lint.py) on data/content/: every amount and period names its
year, every source a year, every topic answer offers a person, texts about keeping the user's
words come from the settings, yearly figures exist and fit. And the lint does catch each of
those in a text that breaks it.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from bot.checks.rules import read_rules
from bot.content.files import parse_entries, read_content_dir
from bot.content.lint import amounts_without_year, problems
from bot.content.schema import parse_answer

ROOT = Path(__file__).resolve().parent.parent
RULES = read_rules(ROOT / "data" / "check_rules.yml")
FIGURES = {name: {language: rule.worded(language) for language in ("nl", "en")} for name, rule in RULES.items()}


def test_the_content_keeps_the_house_rules():
    answers = parse_entries(read_content_dir(ROOT / "data" / "content"))
    assert problems(answers.values(), FIGURES) == []


@pytest.mark.parametrize("text", [
    "In 2024 was het €1.219,64 per maand.", "Sinds 2026 geldt: binnen 3 werkdagen.",
    "Vanaf 21 jaar krijg je meer.", "Ben je 55 jaar of ouder?", "Bel ma-vr, 9-17 uur.",
    "Het bedrag is {rule:bijstand_norm_single_21}.", "Je krijgt {amount} per maand.",
    "Bel 0800-2000, dag en nacht.",
])
def test_texts_that_name_their_year_or_have_no_amount_pass(text):
    assert amounts_without_year(text) == []


@pytest.mark.parametrize(("text", "found"), [
    ("Het is ongeveer €1.219,64 per maand.", "€1.219,64"),
    ("De gemeente moet binnen 3 werkdagen helpen.", "3 werkdagen"),
    ("Bewaar je papieren 7 jaar.", "7 jaar"),
    ("It takes 18 months.", "18 months"),
    ("Je houdt 5% over.", "5%"),
])
def test_an_amount_or_period_without_a_year_is_found(text, found):
    assert found in amounts_without_year(text)


def _answer(**changes):
    raw = {"question": {"nl": "Vraag?", "en": "Question?"},
           "nl": {"text": "Tekst.", "buttons": [{"title": "Praat met iemand", "target": "request_handover"}]},
           "en": {"text": "Text.", "buttons": [{"title": "Talk to someone", "target": "request_handover"}]},
           "source": "Rijksoverheid, bijstand (2026)", **changes}
    return parse_answer("utter_ask_debt/example", raw)


@pytest.mark.parametrize(("changes", "problem"), [
    ({"source": "Rijksoverheid, bijstand"}, "the source names no year"),
    ({"nl": {"text": "Tekst."}, "en": {"text": "Text."}}, "no button to a person"),
    ({"nl": {"text": "Ik bewaar je antwoorden niet.", "buttons": [{"title": "Praat", "target": "request_handover"}]}},
     "take it from {retention_days}"),
    ({"nl": {"text": "Het is {rule:no_such_figure}.", "buttons": [{"title": "Praat", "target": "request_handover"}]}},
     "no yearly figure named no_such_figure"),
    ({"nl": {"text": "x" * 460 + " {rule:long_figure}",
             "buttons": [{"title": "Praat", "target": "request_handover"}]}}, "with the figures filled in"),
    ({"en": {"text": "Within 3 working days.", "buttons": [{"title": "Talk", "target": "request_handover"}]}},
     "3 working days without a year"),
])
def test_the_lint_names_each_broken_rule(changes, problem):
    long_figure = {"long_figure": {"nl": "€ 1.234,56 per maand voor een alleenstaande met vakantiegeld (2026)"}}
    found = problems([_answer(**changes)], {**FIGURES, **long_figure})
    assert any(problem in line for line in found), found


def test_a_figure_is_shown_with_its_year_in_each_language():
    norm = RULES["bijstand_norm_single_21"]
    assert norm.worded("nl") == f"€ 1.369,06 per maand ({norm.year})"
    assert norm.worded("en") == f"€1,369.06 a month ({norm.year})"
    assert RULES["bijstand_asset_limit_single"].worded("nl") == "€ 7.575 (2024)"
