"""The guided checks' conversation: the answers' word lists, the forms' validation, the income
check's result (as codes, with the rules from a real local aiohttp server as the bot API), the
scan's order (worried first), and the scan in a handover only with consent. Run with .venv-rasa's
pytest (see the Makefile).
"""
from __future__ import annotations

import asyncio
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from action_inputs import CONTENT, DOMAIN, answering, finished, served_rules
from bot_api_answers import created
from actions.api.contract import CHECK_LIST_CONTINUED, SCAN_DOMAINS
from actions.checks import answers
from actions.checks.advice import Advice
from actions.checks.income.conversation import ActionIncomeCheckResult, ValidateIncomeCheckForm, income_answers
from actions.checks.income.decision import IncomeAnswers, advise
from actions.checks.result import result_lists, say_list
from actions.checks.scan.conversation import ActionScanResult, ValidateScanForm
from actions.checks.scan.decision import ordered, ratings
from actions.checks.start import ActionStartCheck
from actions.handover.create import ActionCreateHandover
from actions.handover.request import handover_request


def validate(validator, tracker: Tracker) -> tuple[dict[str, Any], list[str], list[dict]]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(validator.run(dispatcher, tracker, DOMAIN))
    slots = {e["name"]: e["value"] for e in events if e["event"] == "slot"}
    return slots, [m["response"] for m in dispatcher.messages], events


def replies(key: str) -> dict[str, list[str]]:
    return {language: [b["reply"] for b in CONTENT[key][language].get("buttons", [])]
            for language in ("nl", "en")}


def lists_said(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The lists a result asked the NLG endpoint for, each once (its first part)."""
    return [m["check_list"] for m in messages if m.get("part") == 1]


# --- typed and pressed answers, both languages ---------------------------------------------

@pytest.mark.parametrize("slot, text, value", [
    ("income_age", "Jonger dan 18", "under_18"), ("income_age", "Under 18", "under_18"),
    ("income_age", "18 tot 21", "18_20"), ("income_age", "18 to 20", "18_20"),
    ("income_age", "21 tot 27", "21_26"), ("income_age", "ik ben 24", "21_26"),
    ("income_age", "27 of ouder", "27_plus"), ("income_age", "I'm 35", "27_plus"),
    ("income_age", "16", "under_18"), ("income_age", "Overslaan", "-"),
    ("income_registered", "Ja", "yes"), ("income_registered", "ja, ik heb een BSN", "yes"),
    ("income_registered", "Nee", "no"), ("income_registered", "No", "no"),
    ("income_registered", "Weet ik niet", "unknown"), ("income_registered", "Don't know", "unknown"),
    ("income_registered", "Skip", "-"),
    ("income_work", "Via de KvK", "kvk"), ("income_work", "als zzp'er", "kvk"),
    ("income_work", "Registered at KvK", "kvk"), ("income_work", "Opting-in", "opting_in"),
    ("income_work", "Opting in", "opting_in"), ("income_work", "Anders", "other"),
    ("income_work", "Other", "other"),
    ("income_household", "Alleen", "alone"), ("income_household", "With a partner", "partner"),
    ("income_household", "Met kinderen", "children"), ("income_household", "with my kids", "children"),
    ("income_savings", "Nee", "no"), ("income_savings", "Yes", "yes"),
    ("income_savings", "geen idee", "unknown"), ("income_savings", "sla over", "-"),
])
def test_income_answers_are_understood_in_dutch_and_english(slot, text, value):
    slots, said, _ = validate(ValidateIncomeCheckForm(), answering("income_check_form", slot, text))
    assert slots[slot] == value and said == []


@pytest.mark.parametrize("text, value", [
    ("Gaat goed", "fine"), ("Fine", "fine"), ("Kan beter", "better"), ("Could be better", "better"),
    ("Ik maak me zorgen", "worried"), ("I'm worried", "worried"), ("niet goed", "worried"),
    ("gaat wel", "better"), ("Overslaan", "-"), ("Skip", "-"),
])
def test_scan_ratings_are_understood_in_dutch_and_english(text, value):
    slots, said, _ = validate(ValidateScanForm(), answering("scan_form", "scan_money", text))
    assert slots["scan_money"] == value and said == []


def test_every_reply_button_of_the_checks_is_understood():
    for slot, read in answers.READERS.items():
        for language, texts_ in replies(f"utter_ask_{slot}").items():
            assert texts_, (slot, language)
            for text in texts_:
                assert read(text) is not None, (slot, language, text)


def test_an_unclear_answer_is_asked_again_kindly():
    slots, said, _ = validate(ValidateIncomeCheckForm(),
                              answering("income_check_form", "income_work", "hmm tja"))
    assert slots["income_work"] is None and said == ["utter_check_not_understood"]


@pytest.mark.parametrize("text", ["Stoppen", "Cancel", "laat maar"])
def test_stop_ends_the_check_without_an_answer(text):
    slots, _, events = validate(ValidateScanForm(), answering("scan_form", "scan_health", text))
    assert slots["scan_health"] is None and slots["check_cancelled"] is True
    assert {"event": "slot", "name": "requested_slot", "value": None, "timestamp": None} in events \
        or slots.get("requested_slot", "missing") is None


def test_a_crisis_interrupts_unless_the_message_is_only_an_answer():
    crisis = answering("scan_form", "scan_safety", "hij slaat me en ik durf niet naar huis", "crisis")
    slots, _, events = validate(ValidateScanForm(), crisis)
    assert slots == {"scan_safety": None}
    assert any(e["event"] == "action_execution_rejected" for e in events)
    pressed = answering("scan_form", "scan_safety", "Ik maak me zorgen", "crisis")
    slots, _, events = validate(ValidateScanForm(), pressed)
    assert slots["scan_safety"] == "worried"
    assert not any(e["event"] == "action_execution_rejected" for e in events)


def test_the_menu_interrupts_only_when_it_is_not_an_answer():
    _, _, events = validate(ValidateIncomeCheckForm(),
                            answering("income_check_form", "income_age", "wat kun je allemaal", "ask_capabilities"))
    assert any(e["event"] == "action_execution_rejected" for e in events)
    slots, _, _ = validate(ValidateIncomeCheckForm(),
                           answering("income_check_form", "income_age", "27 of ouder", "ask_capabilities"))
    assert slots["income_age"] == "27_plus"


def test_an_answer_left_by_an_interrupted_run_is_asked_again():
    tracker = answering("income_check_form", "income_age", "27 of ouder")
    tracker.events.append({"event": "slot", "name": "income_registered", "value": "yes"})
    slots, _, _ = validate(ValidateIncomeCheckForm(), tracker)
    assert slots == {"income_age": "27_plus", "income_registered": None}


def test_starting_a_check_says_its_intro_and_clears_the_check_and_old_answers():
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ActionStartCheck().run(dispatcher, finished({"check": "income"}), DOMAIN))
    assert [m["response"] for m in dispatcher.messages] == ["utter_income_check_intro"]
    cleared = {e["name"] for e in events if e["value"] is None}
    assert {"check", "check_cancelled", "income_age", "income_savings"} <= cleared


# --- the income check's result ---------------------------------------------------------------

INCOME_SLOTS = {"income_age": "27_plus", "income_registered": "yes", "income_work": "kvk",
                "income_household": "alone", "income_savings": "no"}


def test_the_result_names_its_entries_in_order_and_the_rules_whose_amounts_they_need():
    advice = advise(IncomeAnswers(age="21_26", registered="no", work="kvk", household="alone",
                                  savings_above_limit="unknown"), served_rules())
    options, steps, notes = result_lists("income", advice)
    assert [options["heading"], steps["heading"], notes["heading"]] == [
        "utter_income_options", "utter_income_steps", "utter_income_notes"]
    assert options["items"][0] == {"key": "utter_income_option_bbz"} and len(options["items"]) == 3
    assert steps["items"][0] == {"key": "utter_income_step_bbz_before_stopping"} and steps["numbered"]
    assert not options["numbered"] and not notes["numbered"]
    assert steps["amounts"] == {"asset_limit": "bijstand_asset_limit_single", "bbz_months": "bbz_months",
                                "search_weeks": "under_27_search_weeks"}


def test_without_the_rules_the_result_names_no_amounts():
    advice = advise(IncomeAnswers(age="21_26", work="kvk", savings_above_limit="unknown"), {})
    lists = result_lists("income", advice)
    assert lists and all(listed["amounts"] == {} for listed in lists)
    assert sum(len(listed["items"]) for listed in lists) == len(advice.options) + len(advice.steps) + len(advice.notes)


@pytest.mark.parametrize("answers_", [
    IncomeAnswers(), IncomeAnswers(age="under_18"),
    IncomeAnswers(age="18_20", registered="unknown", work="kvk", household="children",
                  savings_above_limit="unknown"),
    IncomeAnswers(age="21_26", registered="no", work="opting_in", household="partner",
                  savings_above_limit="yes"),
])
@pytest.mark.parametrize("rules", [served_rules(), {}], ids=["served", "service_down"])
def test_every_entry_named_has_a_text_in_both_languages(answers_, rules):
    for listed in result_lists("income", advise(answers_, rules)):
        assert listed["heading"] in CONTENT
        for item in listed["items"]:
            entry = CONTENT.get(item["key"]) or CONTENT[item["key"] + "_no_amount"]
            assert entry["nl"]["text"] and entry["en"]["text"], item
            if not rules and entry.get("placeholders"):  # without amounts: one that needs none
                assert item["key"] + "_no_amount" in CONTENT, item


def test_a_list_is_asked_for_under_its_heading_then_once_more_for_each_further_item():
    dispatcher = CollectingDispatcher()
    listed = {"heading": "utter_debt_steps", "items": [{"key": f"utter_debt_step_{code}"} for code in
                                                        ("geldfit", "open_letters", "pmw_can_help")],
              "amounts": {}, "numbered": True}
    say_list(dispatcher, listed)
    assert [(m["response"], m["part"]) for m in dispatcher.messages] == [
        ("utter_debt_steps", 1), (CHECK_LIST_CONTINUED, 2), (CHECK_LIST_CONTINUED, 3)]
    assert all(m["check_list"] == listed for m in dispatcher.messages)


def run_result(tracker: Tracker):
    dispatcher = CollectingDispatcher()

    async def run():
        return dispatcher, await ActionIncomeCheckResult().run(dispatcher, tracker, DOMAIN)
    return run


def test_the_result_action_fetches_the_rules_with_the_token_and_says_the_lists(rules_api):
    dispatcher, events = rules_api.run(run_result(finished(INCOME_SLOTS)))
    assert [request["auth"] for request in rules_api.requests] == [f"Bearer {rules_api.token}"]
    said = [m["response"] for m in dispatcher.messages if m["response"] != CHECK_LIST_CONTINUED]
    assert said == ["utter_income_options", "utter_income_steps", "utter_income_notes", "utter_income_check_end"]
    steps = next(listed for listed in lists_said(dispatcher.messages) if listed["heading"] == "utter_income_steps")
    assert steps["items"][0]["key"] == "utter_income_step_bbz_before_stopping"
    assert steps["items"][-1]["key"] == "utter_income_step_pmw_can_help"
    assert steps["amounts"]["bbz_months"] == "bbz_months"
    assert {e["name"] for e in events if e["value"] is None} >= set(INCOME_SLOTS)


@pytest.mark.parametrize("listening, status", [(False, 200), (True, 500)])
def test_the_result_action_still_answers_when_the_service_is_down(bot_api, listening, status):
    bot_api.answer_with("GET", "/internal/v1/rules", status, {})
    dispatcher, _ = bot_api.run(run_result(finished(INCOME_SLOTS)), listening=listening)
    said = [m["response"] for m in dispatcher.messages]
    assert said[-1] == "utter_income_check_end" and "utter_income_steps" in said
    assert all(listed["amounts"] == {} for listed in lists_said(dispatcher.messages))


def test_a_stopped_income_check_says_nothing_was_kept():
    dispatcher = CollectingDispatcher()
    asyncio.run(ActionIncomeCheckResult().run(dispatcher, finished({"check_cancelled": True}), DOMAIN))
    assert [m["response"] for m in dispatcher.messages] == ["utter_check_cancelled"]


def test_skipped_answers_count_as_unknown():
    skipped = income_answers(finished({slot: "-" for slot in INCOME_SLOTS}))
    assert skipped == IncomeAnswers()
    assert isinstance(advise(skipped, {}), Advice)


# --- the scan ----------------------------------------------------------------------------------

SCAN = {"scan_money": "better", "scan_safety": "fine", "scan_housing": "worried",
        "scan_health": "-", "scan_people": "worried", "scan_work": "better"}


def test_the_scan_overview_puts_worried_domains_first():
    rated = ratings(SCAN.get)
    assert "health" not in rated
    assert ordered(rated) == [("housing", "worried"), ("people", "worried"),
                              ("money", "better"), ("work", "better")]
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ActionScanResult().run(dispatcher, finished(SCAN), DOMAIN))
    said = [m["response"] for m in dispatcher.messages if m["response"] != CHECK_LIST_CONTINUED]
    assert said == ["utter_scan_overview", "utter_scan_offer"]
    (overview,) = lists_said(dispatcher.messages)
    assert overview["items"] == [
        {"key": "utter_scan_step_housing", "texts": {"rating": "utter_scan_rating_worried"}},
        {"key": "utter_scan_step_people", "texts": {"rating": "utter_scan_rating_worried"}},
        {"key": "utter_scan_step_money", "texts": {"rating": "utter_scan_rating_better"}},
        {"key": "utter_scan_step_work", "texts": {"rating": "utter_scan_rating_better"}}]
    assert all(CONTENT[item["key"]]["en"]["text"] and CONTENT[item["texts"]["rating"]]["en"]["text"]
               for item in overview["items"])
    assert events == []  # the ratings stay for a handover the user may ask for next


def test_every_scan_domain_and_rating_needing_a_step_has_a_text():
    for domain in SCAN_DOMAINS:
        assert {"nl", "en"} <= set(CONTENT[f"utter_scan_step_{domain}"])
    for rating in ("worried", "better"):
        assert {"nl", "en"} <= set(CONTENT[f"utter_scan_rating_{rating}"])


def test_an_all_fine_scan_says_so_and_still_offers_a_worker():
    dispatcher = CollectingDispatcher()
    asyncio.run(ActionScanResult().run(dispatcher, finished({"scan_money": "fine"}), DOMAIN))
    assert [m["response"] for m in dispatcher.messages] == ["utter_scan_all_fine", "utter_scan_offer"]


def handover_slots(consent: bool) -> dict[str, Any]:
    return {**SCAN, "municipality": "Utrecht", "handover_contact": "chat",
            "handover_availability": "anytime", "handover_language": "nl", "handover_consent": consent}


def test_the_scan_goes_with_the_handover_only_with_consent():
    shared = handover_request(finished(handover_slots(True)))
    assert shared["scan"] == {"money": "better", "safety": "fine", "housing": "worried",
                              "people": "worried", "work": "better"}
    assert "scan" not in handover_request(finished(handover_slots(False)))
    assert "scan" not in handover_request(finished({"handover_consent": True}))


@pytest.mark.parametrize("consent", [True, False])
def test_the_handover_request_sent_carries_the_scan_only_with_consent(bot_api, consent):
    bot_api.answer_with("POST", "/internal/v1/handovers", 201, created())

    async def run():
        return await ActionCreateHandover().run(CollectingDispatcher(), finished(handover_slots(consent)), DOMAIN)

    events = bot_api.run(run)
    (sent,) = [request["body"] for request in bot_api.requests]
    cleared = {e["name"] for e in events if e["event"] == "slot" and e["value"] is None}
    if consent:
        assert sent["scan"]["housing"] == "worried" and "health" not in sent["scan"]
        assert "scan_money" in cleared  # shared: done
    else:
        assert "scan" not in sent and sent["topics"] == []
        assert "scan_money" not in cleared  # kept for a later handover with consent


def test_someone_under_18_is_asked_nothing_more_and_the_next_handover_is_urgent(rules_api):
    form = ValidateIncomeCheckForm()
    income_slots = ["income_age", "income_registered", "income_work", "income_household", "income_savings"]
    asked = asyncio.run(form.required_slots(income_slots, CollectingDispatcher(), finished({}), DOMAIN))
    assert asked == income_slots
    minor = finished({"income_age": "under_18"})
    assert asyncio.run(form.required_slots(income_slots, CollectingDispatcher(), minor, DOMAIN)) == []
    dispatcher, events = rules_api.run(run_result(minor))
    said = [m["response"] for m in dispatcher.messages]
    assert said[0] == "utter_income_first" and said[-1] == "utter_income_check_urgent_end"
    assert lists_said(dispatcher.messages)[0]["items"] == [{"key": "utter_income_first_under_18_safety"}]
    assert {"name": "urgent_need", "value": ["income_under_18"]} in [
        {"name": e["name"], "value": e["value"]} for e in events]
