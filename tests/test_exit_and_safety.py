"""Whole conversations (real bot service, Rasa and actions) for the wish to stop, help lines, and
safety without false alarms: the first message of a new conversation, as a newcomer types it."""
from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from bot.content.files import parse_entries, read_content_dir
from bot.gateway.crisis import CrisisPhrases

ROOT = Path(__file__).resolve().parent.parent
ANSWERS = parse_entries(read_content_dir(ROOT / "data" / "content"))
PHRASES = CrisisPhrases.from_file(ROOT / "data" / "crisis_phrases.yml")
SAFETY_TEXTS = {v.text: key for key, a in ANSWERS.items() if key.startswith("utter_crisis")
                for v in a.variants.values()}


def text_of(key: str, language: str = "nl") -> str:
    return ANSWERS[key].variants[language].text


def texts_of(key: str) -> set[str]:
    """The answer in either language: which language a short message is read as is not what
    these tests are about (the gateway's language guess leaves a short one undecided, so Dutch)."""
    return {variant.text for variant in ANSWERS[key].variants.values()}


def first_message(stack, text: str) -> list[dict]:
    return stack.chat(uuid.uuid4().hex, text)


@pytest.mark.parametrize("message", [
    "ik wil stoppen met sekswerk",
    "I want to quit sex work",
    "ik wil stoppen",
    "ik ben er klaar mee, ik wil weg uit dit werk",
    "I'm tired of this job and want to get out",
    "ik wil stoppen maar durf niet",
    "ik werk achter het raam en wil stoppen",
    "ik wil uitstappen maar ik weet niet hoe",
    "i want to leave the club but i'm scared",
    "ik wil stopen met dit wrek",
])
def test_every_way_of_saying_i_want_to_stop_gets_the_exit_path(stack, message):
    replies = first_message(stack, message)
    assert replies[0]["text"] in texts_of("utter_want_to_stop"), message
    assert replies[1]["text"] in texts_of("utter_want_to_stop_next")
    payloads = [b["payload"] for b in replies[1]["buttons"]]
    assert '/ask_capabilities{"check": "scan"}' in payloads and "/request_handover" in payloads


def test_right_after_business_questions_a_bare_stop_asks_which_stop_is_meant(stack):
    sender = uuid.uuid4().hex
    stack.chat(sender, "hoe schrijf ik me uit bij de kvk")
    which = stack.chat(sender, "ik wil stoppen")
    assert which[0]["text"] == text_of("utter_want_to_stop_which")
    work = next(b for b in which[0]["buttons"] if b["title"] == "Stoppen met het werk")
    assert stack.chat(sender, work["payload"])[0]["text"] == text_of("utter_want_to_stop")
    # Naming the work itself needs no question, also after business questions.
    stack.chat(sender, "hoe schrijf ik me uit bij de kvk")
    assert stack.chat(sender, "ik wil stoppen met sekswerk")[0]["text"] == text_of("utter_want_to_stop")


@pytest.mark.parametrize("message, key", [
    ("welk nummer heeft CoMensha?", "utter_ask_helpline/comensha"),
    ("hoe kan ik 113 bellen, is dat gratis", "utter_ask_helpline/113"),
    ("heb je een nummer dat ik kan bellen", "utter_ask_helpline/overview"),
    ("what is the number of veilig thuis", "utter_ask_helpline/veilig_thuis"),
])
def test_a_help_line_question_gets_the_number_directly(stack, message, key):
    assert first_message(stack, message)[0]["text"] in texts_of(key)


def test_help_nearby_names_the_organisation_of_the_region(stack):
    replies = first_message(stack, "waar is de dichtstbijzijnde hulp in rotterdam")
    assert "Humanitas PMW" in replies[0]["text"]
    assert replies[0]["text"] not in SAFETY_TEXTS


@pytest.mark.parametrize("message", [
    "I can't afford rent anymore",
    "mijn buik doet pijn",
    "ik ben bang dat ik nooit een baan vind",
    "my boyfriend doesn't know what I do for work",
    "ik ben zwanger en wil stoppen met werken",
    "de deurwaarder komt morgen en ik heb geen geld",
])
def test_ordinary_hardship_never_gets_a_safety_text_first(stack, message):
    replies = first_message(stack, message)
    assert replies[0]["text"] not in SAFETY_TEXTS, message
    assert any(reply["buttons"] for reply in replies), "a real answer with a next step"


@pytest.mark.parametrize("message, kind", [
    ("hij staat beneden en zegt dat hij me komt halen", "danger"),
    ("mijn vriend houdt al mijn geld en ik mag nergens heen", "trafficking"),
    ("mijn ex heeft me vorige week in elkaar getrapt", "violence"),
    ("ik zit nog op de middelbare school en doe dit na school voor geld", "minor"),
    ("i took all my pills an hour ago", "suicidal"),
])
def test_the_classifier_answers_a_crisis_with_the_safety_answer_of_its_kind(stack, message, kind):
    assert PHRASES.match(message) is None, "this test is about the classifier, not the phrase list"
    replies = first_message(stack, message)
    assert replies[0]["text"] in texts_of(f"utter_crisis/{kind}")
    assert replies[1]["text"] in texts_of("utter_crisis_offer_person")


def test_a_crisis_the_classifier_finds_interrupts_the_handover_form(stack):
    sender = uuid.uuid4().hex
    stack.chat(sender, "/request_handover")
    replies = stack.chat(sender, "mijn vriend houdt al mijn geld en ik mag nergens heen")
    assert replies[0]["text"] == text_of("utter_crisis/trafficking")
    benefits = {text_of(k) for k in ANSWERS if k.startswith("utter_ask_benefits/")}
    assert stack.chat(sender, "hoe vraag ik bijstand aan")[0]["text"] in benefits
