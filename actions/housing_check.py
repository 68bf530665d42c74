"""The housing check's conversation: the form's validation and the result action.
The advice is actions/checks/housing.py; saying it is actions/check_result.py."""
from __future__ import annotations

from typing import Any, Dict

from rasa_sdk import Tracker

from actions import check_answers as answers
from actions.check_form import HOUSING_SLOTS, CheckFormValidation
from actions.check_result import CheckResult, answer
from actions.checks.advice import Advice
from actions.checks.housing import HousingAnswers, advise


class ValidateHousingCheckForm(CheckFormValidation):
    form = "housing_check_form"
    readers = {slot: answers.READERS[slot] for slot in HOUSING_SLOTS}


class ActionHousingCheckResult(CheckResult):
    """Not safe where they live: the safety lines first. Then a roof for tonight, a postal
    address, registering as a house seeker and urgency, in that order."""

    check = "housing"
    slots = HOUSING_SLOTS

    def advise(self, tracker: Tracker, rules: Dict[str, Dict[str, Any]]) -> Advice:
        return advise(HousingAnswers(situation=answer(tracker, "housing_situation"),
                                     safe=answer(tracker, "housing_safe"),
                                     leaving=answer(tracker, "housing_leaving"),
                                     registered=answer(tracker, "housing_registered"),
                                     house_seeker=answer(tracker, "housing_seeker")), rules)
