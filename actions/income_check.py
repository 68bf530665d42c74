"""The income check's conversation (issue 6): the form's validation and the result action.

The advice itself is actions/checks/income.py; saying it is actions/check_result.py.
"""
from __future__ import annotations

from typing import Any, Dict, Text

from rasa_sdk import Tracker

from actions import check_answers as answers
from actions.check_form import INCOME_SLOTS, CheckFormValidation
from actions.check_result import CheckResult, answer
from actions.checks.advice import Advice
from actions.checks.income import IncomeAnswers, advise

FORM = "income_check_form"


class ValidateIncomeCheckForm(CheckFormValidation):
    form = FORM
    readers = {slot: answers.READERS[slot] for slot in INCOME_SLOTS}


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
