"""The income check's conversation (issue 6): the form's validation and the result action.

The advice itself is actions/checks/income.py; the amounts come from the bot service at run time
(data/check_rules.yml as served), the texts from data/content/checks.yml. Without the service
the check still answers, only without amounts. Never logs the answers.
"""
from __future__ import annotations

import logging
from datetime import date
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import check_answers as answers
from actions import check_texts as texts
from actions.api.bot_client import BotApiUnavailable, get_rules
from actions.check_form import CANCELLED_SLOT, INCOME_SLOTS, WITHHELD, CheckFormValidation
from actions.checks.income import IncomeAdvice, IncomeAnswers, advise, careful_amount

log = logging.getLogger(__name__)

FORM = "income_check_form"
DEFAULT_LANGUAGE = "nl"
# A list's share of a bubble (600): the rest is for the response's own words ("Goed om te weten:").
LIST_LIMIT = 550


class ValidateIncomeCheckForm(CheckFormValidation):
    form = FORM
    readers = answers.READERS


class ActionIncomeCheckResult(Action):
    """Says which support may fit, the steps in order and what to keep in mind; then offers a
    person and the menu. After "stop" it says that nothing was kept."""

    def name(self) -> Text:
        return "action_income_check_result"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        reset = [SlotSet(slot, None) for slot in INCOME_SLOTS + (CANCELLED_SLOT,)]
        if tracker.get_slot(CANCELLED_SLOT):
            dispatcher.utter_message(response="utter_check_cancelled")
            return reset
        try:
            rules = await get_rules()
        except BotApiUnavailable as error:
            log.warning("check_rules_unavailable reason=%s", error)
            rules = {}  # the advice stays right, only the amounts are left out
        advice = advise(income_answers(tracker), rules)
        language = tracker.get_slot("language") or DEFAULT_LANGUAGE
        await texts.refresh(language)
        for response, placeholder, lines, numbered in result_lists(advice, language):
            for part in texts.chunks(lines, numbered, LIST_LIMIT):
                dispatcher.utter_message(response=response, **{placeholder: part})
        dispatcher.utter_message(response="utter_income_check_end")
        return reset


def income_answers(tracker: Tracker) -> IncomeAnswers:
    def value(slot: Text) -> Any:
        found = tracker.get_slot(slot)
        return None if found in (None, WITHHELD) else found
    return IncomeAnswers(age=value("income_age"), registered=value("income_registered"),
                         work=value("income_work"), household=value("income_household"),
                         savings_above_limit=value("income_savings"))


def amounts(advice: IncomeAdvice, language: str, this_year: int) -> Dict[str, str]:
    return {name: careful_amount(rule, language, this_year) for name, rule in advice.values.items()}


def result_lists(advice: IncomeAdvice, language: str, this_year: int | None = None) -> list:
    """(response, placeholder, item texts, numbered) for the options, the steps and the notes.
    An item whose amount is unknown (service down) falls back to its entry without the amount."""
    values = amounts(advice, language, this_year or date.today().year)

    def lines(kind: str, codes: List[str]) -> List[str]:
        found = []
        for code in codes:
            key = f"utter_income_{kind}_{code}"
            text = texts.item(key, language, values) or texts.item(f"{key}_no_amount", language)
            if text:
                found.append(text)
        return found
    return [("utter_income_options", "options", lines("option", advice.options), False),
            ("utter_income_steps", "steps", lines("step", advice.steps), True),
            ("utter_income_notes", "notes", lines("note", advice.notes), False)]
