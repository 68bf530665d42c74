"""The income check's conversation: the form's validation and the result action.

The advice itself is actions/checks/income.py; saying it is actions/check_result.py.
"""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import check_answers as answers
from actions.check_form import INCOME_SLOTS, CheckFormValidation
from actions.check_result import CheckResult, answer
from actions.checks.advice import Advice
from actions.checks.income import IncomeAnswers, advise

FORM = "income_check_form"


class ValidateIncomeCheckForm(CheckFormValidation):
    form = FORM
    readers = {slot: answers.READERS[slot] for slot in INCOME_SLOTS}

    async def required_slots(self, domain_slots: List[Text], dispatcher: CollectingDispatcher,
                             tracker: Tracker, domain: DomainDict) -> List[Text]:
        """Someone under 18 is asked nothing more: the result (safety first) comes at once."""
        if tracker.get_slot("income_age") == "under_18":
            return []
        return await super().required_slots(domain_slots, dispatcher, tracker, domain)


class ActionIncomeCheckResult(CheckResult):
    """Which support may fit, the steps in order and what to keep in mind; then a person and the
    menu are offered."""

    check = "income"
    slots = INCOME_SLOTS

    def advise(self, tracker: Tracker, rules: Dict[str, Dict[str, Any]]) -> Advice:
        return advise(income_answers(tracker), rules)


def income_answers(tracker: Tracker) -> IncomeAnswers:
    return IncomeAnswers(age=answer(tracker, "income_age"), registered=answer(tracker, "income_registered"),
                         work=answer(tracker, "income_work"), household=answer(tracker, "income_household"),
                         savings_above_limit=answer(tracker, "income_savings"))
