"""The housing check's conversation: the form's validation and the result action.
The advice is actions/checks/housing/decision.py; saying it is actions/checks/result.py."""
from __future__ import annotations

from typing import Any, Dict

from rasa_sdk import Tracker

from actions.checks.advice import Advice
from actions.checks.form import CheckFormValidation, questions_of
from actions.checks.housing.decision import HousingAnswers, advise
from actions.checks.result import CheckResult, answer


class ValidateHousingCheckForm(CheckFormValidation):
    form = "housing_check_form"
    questions = questions_of("housing")


class ActionHousingCheckResult(CheckResult):
    """Not safe where they live: the safety lines first. Then a roof for tonight, a postal
    address, registering as a house seeker and urgency, in that order."""

    check = "housing"

    def advise(self, tracker: Tracker, rules: Dict[str, Dict[str, Any]]) -> Advice:
        return advise(HousingAnswers(situation=answer(tracker, "housing_situation"),
                                     safe=answer(tracker, "housing_safe"),
                                     leaving=answer(tracker, "housing_leaving"),
                                     registered=answer(tracker, "housing_registered"),
                                     house_seeker=answer(tracker, "housing_seeker")), rules)
