"""The stopping-as-self-employed check's conversation: the form's validation and the
result action. The advice is actions/checks/stopping.py; saying it is actions/check_result.py."""
from __future__ import annotations

from typing import Any, Dict

from rasa_sdk import Tracker

from actions import check_answers as answers
from actions.check_form import STOPPING_SLOTS, CheckFormValidation
from actions.check_result import CheckResult, answer
from actions.checks.advice import Advice
from actions.checks.stopping import StoppingAnswers, advise


class ValidateStoppingCheckForm(CheckFormValidation):
    form = "stopping_check_form"
    readers = {slot: answers.READERS[slot] for slot in STOPPING_SLOTS}


class ActionStoppingCheckResult(CheckResult):
    """The order that keeps the Bbz open, then KvK, the last returns and the books."""

    check = "stopping"
    slots = STOPPING_SLOTS

    def advise(self, tracker: Tracker, rules: Dict[str, Dict[str, Any]]) -> Advice:
        return advise(StoppingAnswers(work=answer(tracker, "stop_work"), status=answer(tracker, "stop_status"),
                                      income=answer(tracker, "stop_income"), btw=answer(tracker, "stop_btw"),
                                      books=answer(tracker, "stop_books")), rules)
