"""The gateway's curated crisis phrases: found in messy text, not in ordinary questions."""
from __future__ import annotations

from pathlib import Path

import pytest

from bot.gateway.crisis import CrisisPhrases

PHRASES = CrisisPhrases.from_file(Path(__file__).resolve().parent.parent / "data" / "crisis_phrases.yml")


@pytest.mark.parametrize("message, category", [
    ("Ik wil dood.", "suicidal"),
    ("ik zie het niet meer zitten...", "suicidal"),
    ("I want to DIE", "suicidal"),
    ("hij heeft mijn paspoort en ik moet al mijn geld afgeven", "trafficking"),
    ("my pimp takes all my money", "trafficking"),
    ("Hij slaat me als ik niet genoeg verdien", "violence"),
    ("i was raped last week", "violence"),
    ("help ik ben in gevaar", "danger"),
    ("I’m not safe here", "danger"),
    ("ik ben verkracht en ik wil niet meer leven", "suicidal"),
])
def test_crisis_phrases_are_found(message, category):
    assert PHRASES.match(message) == category


@pytest.mark.parametrize("message", [
    "hoe vraag ik bijstand aan",
    "I want to stop working in the club",
    "ik heb schulden bij de belastingdienst",
    "kan ik mijn paspoort gebruiken voor digid",
    "is dit anoniem",
    "grape juice",  # 'rape' only as a whole word
    "ik wil niet meer in de prostitutie werken",  # the most common message here, not a suicide signal
    "de deurwaarder staat voor de deur",
    "ik kan niet meer leven van wat ik verdien",
    "ik wil uit het leven, hoe doe ik dat met de kvk",  # 'het leven' is also the trade itself
])
def test_ordinary_questions_are_not_crises(message):
    assert PHRASES.match(message) is None


def test_unknown_category_is_refused():
    with pytest.raises(ValueError):
        CrisisPhrases({"weather": ["rain"]})


def test_phrases_stay_quiet_on_the_other_training_examples():
    """A false alarm puts safety lines before the answer; only a pimp reading along may do that."""
    import yaml

    alarms = []
    for path in (Path(__file__).resolve().parent.parent / "data" / "nlu").glob("*.yml"):
        for block in yaml.safe_load(path.read_text())["nlu"]:
            if "intent" in block and not block["intent"].startswith("crisis"):
                alarms += [line[2:] for line in block["examples"].splitlines()
                           if line.startswith("- ") and PHRASES.match(line[2:])]
    assert [a for a in alarms if "pooier" not in a and "pimp" not in a] == []


def test_phrases_alone_catch_nearly_every_crisis_training_example():
    """The safety net must not depend on the classifier: trimming the list shows up here.

    Measured at 0.86 (2026-11): the newest examples are deliberately indirect ("ik heb een touw
    gekocht"), which short phrases cannot catch without false alarms; the classifier does.
    """
    import yaml

    caught = missed = 0
    for path in (Path(__file__).resolve().parent.parent / "data" / "nlu").glob("*.yml"):
        for block in yaml.safe_load(path.read_text())["nlu"]:
            if "intent" in block and block["intent"].startswith("crisis"):
                for line in block["examples"].splitlines():
                    if line.startswith("- "):
                        caught, missed = (caught + 1, missed) if PHRASES.match(line[2:]) else (caught, missed + 1)
    assert caught / (caught + missed) >= 0.85
