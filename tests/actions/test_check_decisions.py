"""The debt, housing and stopping-as-self-employed checks: their decision tables, their
answers typed or pressed, every code with a text in both languages, and an urgent result making
the next handover urgent. Run with .venv-rasa's pytest; the rules are data/check_rules.yml."""
from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import check_texts as texts
from actions.check_result import URGENT_SLOT, result_lists
from actions.checks import debt, housing, stopping
from actions.checks.debt import DebtAnswers
from actions.checks.housing import HousingAnswers
from actions.checks.stopping import StoppingAnswers
from actions.debt_check import ActionDebtCheckResult, ValidateDebtCheckForm
from actions.handover import handover_request
from actions.housing_check import ActionHousingCheckResult, ValidateHousingCheckForm
from actions.stopping_check import ValidateStoppingCheckForm

ROOT = Path(__file__).resolve().parents[2]
DOMAIN = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
CONTENT = yaml.safe_load((ROOT / "data" / "content" / "checks.yml").read_text(encoding="utf-8"))
RULES = {name: {**rule, "stale": rule["year"] < 2026}
         for name, rule in yaml.safe_load((ROOT / "data" / "check_rules.yml").read_text(encoding="utf-8")).items()}

FIRST = object()  # the next step must be the first one


def in_order(found: list[str], wanted: list[Any]) -> bool:
    """The wanted codes appear in `found` in this order (FIRST: the next one is found[0])."""
    at = -1
    first = False
    for code in wanted:
        if code is FIRST:
            first = True
            continue
        if code not in found or found.index(code) <= at or (first and found.index(code) != 0):
            return False
        at, first = found.index(code), False
    return True


# --- debt: kinds, bailiff, threat, attachment -> urgent, steps (in order), notes, not expected ----
DEBT = [
    # urgent: eviction or cut-off -> call the gemeente today, first; the 3-working-day rule
    ((("rent",), "no", "eviction", "no"), True, [FIRST, "call_gemeente_today_eviction", "tell_creditor_help_asked"],
     [], ["geldfit"]),
    ((("energy",), "unknown", "cutoff", "no"), True, [FIRST, "call_gemeente_today_cutoff", "pay_fixed_costs_first"],
     [], ["gemeente_schuldhulp"]),
    ((("rent", "energy"), "yes", "yes", "unknown"), True,
     [FIRST, "call_gemeente_today_yes", "bailiff_call_back", "pmw_can_help"], [], []),
    # attachment alone is urgent too, without the legal 3 days
    ((("tax",), "yes", "no", "yes"), True, [FIRST, "call_gemeente_today_attachment", "bailiff_call_back"],
     ["attachment_free_part", "kind_tax"], ["call_gemeente_today_eviction"]),
    ((("loans", "fines", "tax"), "no", "eviction", "yes"), True, [FIRST, "call_gemeente_today_eviction"],
     ["attachment_free_part", "kind_tax", "kind_fines", "many_debts_arrangement"], []),
    # not urgent: free help first, then the gemeente
    ((("loans",), "no", "no", "no"), False, [FIRST, "geldfit", "open_letters", "gemeente_schuldhulp", "pmw_can_help"],
     ["volunteer_help"], ["bailiff_call_back"]),
    ((("health_insurance",), "yes", "no", "no"), False, ["geldfit", "bailiff_call_back"],
     ["volunteer_help", "kind_health_insurance"], []),
    ((("several",), "unknown", "unknown", "unknown"), False, ["geldfit", "gemeente_schuldhulp"],
     ["many_debts_arrangement"], ["call_gemeente_today_yes"]),
    (((), None, None, None), False, ["geldfit", "open_letters", "gemeente_schuldhulp", "pay_fixed_costs_first"],
     ["volunteer_help"], ["attachment_free_part"]),
    ((("fines",), "no", "no", "no"), False, ["geldfit"], ["kind_fines"], ["kind_tax"]),
]


@pytest.mark.parametrize("given, urgent, steps, notes, absent", DEBT)
def test_the_debt_check_decides(given, urgent, steps, notes, absent):
    kinds, bailiff, threat, attachment = given
    advice = debt.advise(DebtAnswers(kinds, bailiff, threat, attachment), RULES)
    assert advice.urgent is urgent
    assert in_order(advice.steps, steps), advice.steps
    assert set(notes) <= set(advice.notes), advice.notes
    assert not set(absent) & set(advice.steps + advice.notes)
    assert advice.steps[-1] == "pmw_can_help"


def test_urgent_debt_advice_names_the_three_working_days():
    advice = debt.advise(DebtAnswers(("rent",), threat="eviction"), RULES)
    lines = result_lists("debt", advice, "nl", 2026)
    steps = next(lines_ for response, _, lines_, _ in lines if response == "utter_debt_steps")
    assert "vandaag" in steps[0] and "3 werkdagen" in steps[0]
    calm = debt.advise(DebtAnswers(("loans",)), RULES)
    steps = next(lines_ for response, _, lines_, _ in result_lists("debt", calm, "nl", 2026)
                 if response == "utter_debt_steps")
    assert "0800-8115" in steps[0] and any("4 weken" in step for step in steps)


# --- housing: situation, safe, leaving, registered, house seeker -------------------------------
HOUSING = [
    # not safe: the safety lines before anything else, and urgent
    (("workplace", "no", "weeks", "yes", "no"), True, ["danger_112", "veilig_thuis", "comensha"],
     ["register_house_seeker", "ask_urgency", "pmw_can_help"], ["workplace_goes_with_work"]),
    (("own", "no", "no", "yes", "yes"), True, ["danger_112", "veilig_thuis", "comensha"],
     ["ask_urgency"], []),
    # no roof tonight (no fixed place, or leaving within days): shelter first, then an address
    (("no_fixed", "yes", None, "no", "no"), True, [],
     [FIRST, "shelter_tonight", "briefadres", "register_house_seeker", "ask_urgency"], []),
    (("with_others", "yes", "days", "yes", "yes"), True, [],
     [FIRST, "shelter_tonight", "ask_urgency"], ["with_others_benefits"]),
    (("no_fixed", "unknown", "unknown", "unknown", "unknown"), True, [],
     ["shelter_tonight", "briefadres", "register_house_seeker"], ["unsure_safe"]),
    # calmer: what to arrange now so a move later is possible
    (("workplace", "yes", "no", "yes", "no"), False, [],
     [FIRST, "register_house_seeker", "ask_urgency", "pmw_can_help"], ["workplace_goes_with_work"]),
    (("with_others", "yes", "weeks", "no", "yes"), False, [],
     [FIRST, "briefadres", "ask_urgency"], ["with_others_benefits"]),
    (("own", "yes", "no", "yes", "yes"), False, [], [FIRST, "pmw_can_help"], ["gemeente_decides"]),
    ((None, None, None, None, None), False, [], ["register_house_seeker", "pmw_can_help"], []),
]


@pytest.mark.parametrize("given, urgent, first, steps, notes", HOUSING)
def test_the_housing_check_decides(given, urgent, first, steps, notes):
    advice = housing.advise(HousingAnswers(*given), RULES)
    assert advice.urgent is urgent
    assert advice.first == first
    assert in_order(advice.steps, steps), advice.steps
    assert set(notes) <= set(advice.notes), advice.notes
    if given[1] != "no":
        assert advice.first == []  # the safety lines lead only when someone is not safe


# --- stopping as self-employed: work, status, income, btw, books -------------------------------
STOPPING = [
    # KvK, still working, income needed: Bbz first, and only then deregister
    (("kvk", "not_yet", "no", "yes", "yes"),
     [FIRST, "bbz_first", "deregister_kvk", "final_btw_return", "income_tax_return_stopping_profit", "keep_books"],
     ["bbz_conditions", "income_check"], []),
    (("kvk", "not_yet", "unknown", "no", "partly"),
     [FIRST, "bbz_first", "deregister_kvk", "income_tax_return_stopping_profit", "keep_books"],
     ["books_missing"], ["final_btw_return"]),
    (("kvk", "stopped", "no", "yes", "yes"), [FIRST, "bbz_ask_now", "deregister_kvk", "final_btw_return"],
     [], ["bbz_first"]),
    # enough income: no Bbz, the KvK order straight away
    (("kvk", "not_yet", "yes", "yes", "yes"), [FIRST, "deregister_kvk", "final_btw_return"], [],
     ["bbz_first", "bbz_conditions", "income_check"]),
    # already deregistered: no KvK step, and Bbz is usually gone
    (("kvk", "deregistered", "no", "yes", "no"), [FIRST, "final_btw_return", "income_tax_return_stopping_profit"],
     ["bbz_after_deregistering", "books_missing"], ["deregister_kvk", "bbz_first", "bbz_ask_now"]),
    (("kvk", "deregistered", "yes", "unknown", "yes"), ["final_btw_return", "keep_books"], [],
     ["bbz_after_deregistering", "deregister_kvk"]),
    # opting-in: no KvK, no Bbz, the operator's annual statement
    (("opting_in", "not_yet", "no", None, "yes"), [FIRST, "opting_in_year_statement", "income_tax_return", "keep_books"],
     ["opting_in_no_kvk", "opting_in_no_bbz", "income_check"], ["deregister_kvk", "bbz_first", "final_btw_return"]),
    # unregistered: talk in confidence first
    (("other", "stopped", "unknown", None, None), [FIRST, "unregistered_talk_first", "pmw_can_help"],
     ["belastingtelefoon"], ["deregister_kvk", "keep_books", "bbz_first"]),
    # nothing said: the KvK order (the one that can go wrong), with a word for opting-in
    ((None, None, None, None, None), [FIRST, "bbz_first", "deregister_kvk", "final_btw_return"],
     ["opting_in_different"], []),
]


@pytest.mark.parametrize("given, steps, notes, absent", STOPPING)
def test_the_stopping_check_keeps_the_bbz_open(given, steps, notes, absent):
    advice = stopping.advise(StoppingAnswers(*given), RULES)
    assert in_order(advice.steps, steps), advice.steps
    assert set(notes) <= set(advice.notes), advice.notes
    assert not set(absent) & set(advice.steps + advice.notes)
    assert advice.steps[-1] == "pmw_can_help" and advice.urgent is False
    if "bbz_first" in advice.steps and "deregister_kvk" in advice.steps:
        assert advice.steps.index("bbz_first") < advice.steps.index("deregister_kvk")


def test_the_stopping_check_names_the_bbz_months_and_the_seven_years():
    advice = stopping.advise(StoppingAnswers("kvk", "not_yet", "no", "yes", "yes"), RULES)
    every = "\n".join(line for _, _, lines, _ in result_lists("stopping", advice, "nl", 2026) for line in lines)
    assert "12 maanden" in every and "7 jaar" in every and "1.225" in every


# --- every code has a text, in both languages, and every bubble fits ----------------------------
CASES = ([("debt", debt.advise, DebtAnswers(*given)) for given, *_ in DEBT]
         + [("housing", housing.advise, HousingAnswers(*given)) for given, *_ in HOUSING]
         + [("stopping", stopping.advise, StoppingAnswers(*given)) for given, *_ in STOPPING])


@pytest.mark.parametrize("check, advise, answers", CASES)
@pytest.mark.parametrize("rules", [RULES, {}], ids=["served", "service_down"])
def test_every_code_has_a_text_and_every_bubble_fits(check, advise, answers, rules):
    advice = advise(answers, rules)  # without rules: the `_no_amount` texts
    for language in ("nl", "en"):
        texts_ = {response: lines for response, _, lines, _ in result_lists(check, advice, language, 2026)}
        assert len(texts_.get(f"utter_{check}_first", [])) == len(advice.first)
        assert len(texts_.get(f"utter_{check}_steps", [])) == len(advice.steps)
        assert len(texts_.get(f"utter_{check}_notes", [])) == len(advice.notes)
        for response, placeholder, lines, numbered in result_lists(check, advice, language, 2026):
            for part in texts.chunks(lines, numbered, 550):
                assert "{" not in part
                assert len(CONTENT[response][language]["text"].format(**{placeholder: part})) <= 600
    for end in (f"utter_{check}_check_end", f"utter_{check}_check_urgent_end"):
        assert end in CONTENT or (end.endswith("urgent_end") and check == "stopping")


# --- answers typed or pressed ------------------------------------------------------------------
def answering(form: str, asked: str, text: str) -> Tracker:
    message = {"text": text, "intent": {"name": "nlu_fallback", "confidence": 0.9}}
    return Tracker.from_dict({
        "sender_id": "c0ffee", "slots": {"requested_slot": asked, asked: text}, "latest_message": message,
        "events": [{"event": "user", "text": text, "parse_data": message},
                   {"event": "action", "name": form}, {"event": "slot", "name": asked, "value": text}],
        "paused": False, "followup_action": None, "active_loop": {"name": form}, "latest_action_name": form,
    })


@pytest.mark.parametrize("validator, slot, text, value", [
    (ValidateDebtCheckForm, "debt_kinds", "huur en energie", "rent,energy"),
    (ValidateDebtCheckForm, "debt_kinds", "Belastingdienst", "tax"),
    (ValidateDebtCheckForm, "debt_kinds", "a loan and some fines", "loans,fines"),
    (ValidateDebtCheckForm, "debt_kinds", "Meerdere", "several"),
    (ValidateDebtCheckForm, "debt_bailiff", "ja", "yes"),
    (ValidateDebtCheckForm, "debt_threat", "Ja, uit mijn huis", "eviction"),
    (ValidateDebtCheckForm, "debt_threat", "ze sluiten het gas af", "cutoff"),
    (ValidateDebtCheckForm, "debt_threat", "Yes, cut-off", "cutoff"),
    (ValidateDebtCheckForm, "debt_threat", "ja", "yes"),
    (ValidateDebtCheckForm, "debt_threat", "Nee, dat niet", "no"),
    (ValidateDebtCheckForm, "debt_threat", "geen idee", "unknown"),
    (ValidateDebtCheckForm, "debt_attachment", "No", "no"),
    (ValidateHousingCheckForm, "housing_situation", "ik slaap op mijn werk", "workplace"),
    (ValidateHousingCheckForm, "housing_situation", "bij een vriendin", "with_others"),
    (ValidateHousingCheckForm, "housing_situation", "geen vaste plek, soms bij vrienden", "no_fixed"),
    (ValidateHousingCheckForm, "housing_situation", "In my own place", "own"),
    (ValidateHousingCheckForm, "housing_safe", "niet veilig", "no"),
    (ValidateHousingCheckForm, "housing_safe", "ja ik voel me veilig", "yes"),
    (ValidateHousingCheckForm, "housing_safe", "not sure", "unknown"),
    (ValidateHousingCheckForm, "housing_leaving", "Ja, binnen een paar dagen", "days"),
    (ValidateHousingCheckForm, "housing_leaving", "over een maand", "weeks"),
    (ValidateHousingCheckForm, "housing_leaving", "nee, nu niet", "no"),
    (ValidateHousingCheckForm, "housing_registered", "Weet ik niet", "unknown"),
    (ValidateStoppingCheckForm, "stop_work", "als zzp'er", "kvk"),
    (ValidateStoppingCheckForm, "stop_status", "nog niet gestopt", "not_yet"),
    (ValidateStoppingCheckForm, "stop_status", "gestopt en uitgeschreven", "deregistered"),
    (ValidateStoppingCheckForm, "stop_status", "Already stopped", "stopped"),
    (ValidateStoppingCheckForm, "stop_books", "een deel", "partly"),
    (ValidateStoppingCheckForm, "stop_books", "Nee", "no"),
    (ValidateStoppingCheckForm, "stop_btw", "Overslaan", "-"),
])
def test_answers_are_understood(validator, slot, text, value):
    dispatcher = CollectingDispatcher()
    events = asyncio.run(validator().run(dispatcher, answering(validator.form, slot, text), DOMAIN))
    slots = {e["name"]: e["value"] for e in events if e["event"] == "slot"}
    assert slots[slot] == value and dispatcher.messages == []


# --- the result said, and an urgent one making the handover urgent -----------------------------
def finished(slots: dict[str, Any]) -> Tracker:
    return Tracker.from_dict({
        "sender_id": "c0ffee", "slots": {"requested_slot": None, **slots}, "latest_message": {},
        "events": [], "paused": False, "followup_action": None, "active_loop": {},
        "latest_action_name": "action_listen"})


def said(action, slots: dict[str, Any], monkeypatch) -> tuple[list[dict], list[dict]]:
    monkeypatch.setenv("BOT_INTERNAL_URL", "http://127.0.0.1:9")  # nothing listens: no amounts
    texts._published.clear()
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, finished(slots), DOMAIN))
    return dispatcher.messages, events


def test_an_unsafe_home_gets_the_safety_lines_first_and_an_urgent_offer(monkeypatch):
    messages, events = said(ActionHousingCheckResult(), {
        "housing_situation": "workplace", "housing_safe": "no", "housing_leaving": "-",
        "housing_registered": "yes", "housing_seeker": "no"}, monkeypatch)
    responses = [m["response"] for m in messages]
    assert responses[0] == "utter_housing_first" and "0800-2000" in messages[0]["first"]
    assert responses[-1] == "utter_housing_check_urgent_end"
    # the worker learns why (with the user's consent): actions/handover.py
    assert {"event": "slot", "name": URGENT_SLOT, "value": ["housing_unsafe", "housing_lives_at_workplace"],
            "timestamp": None} in events


def test_a_calm_debt_result_is_not_urgent(monkeypatch):
    messages, events = said(ActionDebtCheckResult(), {"debt_kinds": "loans", "debt_bailiff": "no",
                                                     "debt_threat": "no", "debt_attachment": "no"}, monkeypatch)
    assert [m["response"] for m in messages][-1] == "utter_debt_check_end"
    assert not any(e.get("name") == URGENT_SLOT for e in events)


@pytest.mark.parametrize("urgent", [True, None])
def test_the_handover_after_an_urgent_check_is_urgent(urgent):
    tracker = finished({"urgent_need": urgent, "handover_consent": False, "municipality": "-"})
    assert handover_request(tracker)["urgent"] is bool(urgent)

