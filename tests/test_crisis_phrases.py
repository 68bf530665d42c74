"""The gateway's curated crisis phrases: a short list a person can review, each phrase unmistakable
on its own. It catches plain cries for help with their kind and never fires on an ordinary message:
not on any non-crisis training example (the hard negatives included) nor on the held-out ones."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.gateway.crisis import CATEGORIES, CrisisPhrases

ROOT = Path(__file__).resolve().parent.parent
PHRASES_FILE = ROOT / "data" / "crisis_phrases.yml"
PHRASES = CrisisPhrases.from_file(PHRASES_FILE)
# "A few hundred at most": one sitting for a reviewer.
MAX_PHRASES = 400


@pytest.mark.parametrize("message, category", [
    ("Ik wil dood.", "suicidal"),
    ("I want to DIE", "suicidal"),
    ("ik denk aan zelfmoord", "suicidal"),
    ("i want to kill myself", "suicidal"),
    ("ze hebben mijn paspoort afgepakt", "trafficking"),
    ("they took my passport", "trafficking"),
    ("my pimp takes all my money", "trafficking"),
    ("Hij slaat me als ik niet genoeg verdien", "violence"),
    ("i was raped last week", "violence"),
    ("help ik ben in gevaar", "danger"),
    ("I’m not safe here", "danger"),
    ("ik ben minderjarig en werk in een club", "minor"),
    ("i'm underage", "minor"),
    ("ik ben pas 16", "minor"),
])
def test_plain_cries_for_help_are_found_with_their_kind(message, category):
    assert PHRASES.match(message) == category


@pytest.mark.parametrize("message", [
    "ik wil stoppen met sekswerk",
    "I want to quit sex work",
    "ik ben er klaar mee, ik wil weg uit dit werk",
    "I'm tired of this job and want to get out",
    "ik wil stoppen maar durf niet",
    "ik werk achter het raam en wil stoppen",
    "I can't afford rent anymore",
    "mijn buik doet pijn",
    "ik ben bang dat ik nooit een baan vind",
    "my boyfriend doesn't know what I do for work",
    "welk nummer heeft CoMensha?",
    "hoe kan ik 113 bellen, is dat gratis",
    "ik ben 16 jaar geleden begonnen in de club",
    "i'm 16 weeks pregnant, can i still work",
    "kan mijn pooier deze chat zien",
    "grape juice",  # 'rape' only as a whole word
])
def test_the_messages_people_come_with_are_not_crises(message):
    assert PHRASES.match(message) is None


def test_the_list_is_short_enough_to_review_and_every_kind_has_phrases():
    raw = yaml.safe_load(PHRASES_FILE.read_text(encoding="utf-8"))
    assert sum(len(phrases) for phrases in raw.values()) <= MAX_PHRASES
    assert set(raw) == set(CATEGORIES)
    assert all(raw[kind] for kind in CATEGORIES)


def test_unknown_category_is_refused():
    with pytest.raises(ValueError):
        CrisisPhrases({"weather": ["rain"]})


def _training_examples(crisis: bool) -> list[str]:
    found = []
    for path in (ROOT / "data" / "nlu").glob("*.yml"):
        for block in yaml.safe_load(path.read_text(encoding="utf-8"))["nlu"]:
            if "intent" in block and block["intent"].startswith("crisis") == crisis:
                found += [line[2:] for line in block["examples"].splitlines() if line.startswith("- ")]
    return found


def test_no_phrase_fires_on_any_ordinary_training_example():
    """Every non-crisis example, the hard negatives of data/nlu/not_crisis.yml included."""
    examples = _training_examples(crisis=False)
    assert len(examples) > 7000
    assert [e for e in examples if PHRASES.match(e)] == []


def test_no_phrase_fires_on_the_held_out_ordinary_messages():
    """Messages written by someone who never saw the list: hard negatives, the wish to stop, help lines."""
    held_out = [case["text"] for name in ("hard_negatives.yml", "want_to_stop.yml", "helpline.yml")
                for case in yaml.safe_load((ROOT / "bench" / "heldout" / name).read_text(encoding="utf-8"))]
    assert len(held_out) > 400
    assert [text for text in held_out if PHRASES.match(text)] == []


def test_a_phrase_names_the_kind_the_training_data_gives_that_message():
    """Where a phrase fires on a crisis example, it shows the safety answer of that example's kind
    (or of a more urgent one: danger first, suicidal before the rest)."""
    more_urgent = {kind: set(CATEGORIES[:i]) for i, kind in enumerate(CATEGORIES)}
    wrong = []
    for path in (ROOT / "data" / "nlu").glob("*.yml"):
        for block in yaml.safe_load(path.read_text(encoding="utf-8"))["nlu"]:
            kind = block.get("intent", "").removeprefix("crisis/")
            if kind not in CATEGORIES:
                continue
            for line in block["examples"].splitlines():
                said = PHRASES.match(line[2:]) if line.startswith("- ") else None
                if said and said != kind and said not in more_urgent[kind]:
                    wrong.append((line[2:], kind, said))
    assert wrong == []
