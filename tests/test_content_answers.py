"""Whole conversations (real bot service, Rasa and actions) for the answers added in December
2026: a typed question and a button press reach the new answers, someone under 18
in the income check gets safety first and an urgent handover, and the privacy texts say what
the service keeps."""
from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from bot.content.files import parse_entries, read_content_dir

ROOT = Path(__file__).resolve().parent.parent
ANSWERS = parse_entries(read_content_dir(ROOT / "data" / "content"))


def texts_of(key: str) -> set[str]:
    return {variant.text for variant in ANSWERS[key].variants.values()}


def first_text(stack, message: str) -> str:
    return stack.chat(uuid.uuid4().hex, message)[0]["text"]


# Typed the way people ask (not training examples).
@pytest.mark.parametrize(("message", "answer"), [
    ("ik kom uit roemenie en woon hier 2 jaar, kan ik zonder problemen bijstand aanvragen", "ask_benefits/eu_citizen"),
    ("ik heb geen verblijfsvergunning, welke hulp kan ik krijgen", "ask_benefits/undocumented"),
    ("ik heb nog contant geld van klanten thuis, moet ik dat opgeven voor de bijstand", "ask_benefits/cash_savings"),
    ("my health insurance was cancelled because i didnt pay", "ask_health/uninsured"),
    ("ik heb mijn inkomsten uit sekswerk nooit opgegeven bij de belastingdienst", "ask_debt/undeclared_income"),
    ("hoe werkt de kostendelersnorm", "ask_benefits/kostendelersnorm"),
    ("is het uitstapprogramma ook voor mannen en trans personen", "ask_exit_program/who_for"),
    ("how do i get my old escort ads and photos offline", "ask_work/online_traces"),
])
def test_a_typed_question_reaches_its_new_answer(stack, message, answer):
    assert first_text(stack, message) in texts_of(f"utter_{answer}"), message


def test_every_new_answer_is_a_button_away_from_its_topic_overview(stack):
    sender = uuid.uuid4().hex
    # (the overview's own button text; "/ask_benefits/overview" typed reads as English words now
    # that each message's language counts)
    overview = stack.chat(sender, "Welk inkomen kan ik krijgen als ik stop?")[0]
    situations = next(b for b in overview["buttons"] if b["title"] == "Mijn situatie is anders")
    menu = stack.chat(sender, situations["payload"])[0]
    assert menu["text"] in texts_of("utter_ask_benefits/situations")
    eu = next(b for b in menu["buttons"] if b["title"] == "Ik kom uit een ander EU-land")
    reply = stack.chat(sender, eu["payload"])[0]
    assert reply["text"] in texts_of("utter_ask_benefits/eu_citizen")
    assert "/request_handover" in [b["payload"] for b in reply["buttons"]]


def test_someone_under_18_in_the_income_check_gets_safety_first_and_an_urgent_handover(stack):
    sender = uuid.uuid4().hex
    stack.chat(sender, '/ask_benefits{"check": "income"}')
    replies = stack.chat(sender, "Jonger dan 18")  # no more questions after this one
    said = [r.get("text", "") for r in replies]
    assert "niet jouw schuld" in said[0] and "0800-2000" in said[0] and "112" in said[0]
    assert not any("bijstand aan" in text or "werk.nl" in text for text in said)
    end = replies[-1]
    assert end["text"] in texts_of("utter_income_check_urgent_end")
    handover = next(b for b in end["buttons"] if b["payload"] == "/request_handover")
    assert handover["title"] == "Ja, help me vandaag"


def test_the_checks_say_how_long_answers_are_kept_as_the_service_is_configured(stack):
    intro = stack.chat(uuid.uuid4().hex, '/ask_benefits{"check": "income"}')[0]["text"]
    assert "Ik bewaar je antwoorden niet" not in intro
    assert "30 dagen na je laatste bericht gewist" in intro  # RETENTION_DAYS of the test stack
