"""The stopping-as-self-employed check's conversation: the form's validation and the result
action. The advice is actions/checks/stopping/decision.py; saying it is actions/checks/result.py."""
from __future__ import annotations

from typing import Any, Dict

from rasa_sdk import Tracker

from actions.checks.advice import Advice
from actions.checks.form import CheckFormValidation, questions_of
from actions.checks.result import CheckResult, answer
from actions.checks.stopping.decision import StoppingAnswers, advise


class ValidateStoppingCheckForm(CheckFormValidation):
    form = "stopping_check_form"
    questions = questions_of("stopping")


class ActionStoppingCheckResult(CheckResult):
    """The order that keeps the Bbz open, then KvK, the last returns and the books."""

    check = "stopping"

    def advise(self, tracker: Tracker, rules: Dict[str, Dict[str, Any]]) -> Advice:
        return advise(StoppingAnswers(work=answer(tracker, "stop_work"), status=answer(tracker, "stop_status"),
                                      income=answer(tracker, "stop_income"), btw=answer(tracker, "stop_btw"),
                                      books=answer(tracker, "stop_books")), rules)
