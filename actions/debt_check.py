"""The debt check's conversation: the form's validation and the result action.
The advice is actions/checks/debt.py; saying it is actions/check_result.py."""
from __future__ import annotations

from typing import Any, Dict

from rasa_sdk import Tracker

from actions import check_answers as answers
from actions.check_form import DEBT_SLOTS, CheckFormValidation
from actions.check_result import CheckResult, answer
from actions.checks.advice import Advice
from actions.checks.debt import DebtAnswers, advise


class ValidateDebtCheckForm(CheckFormValidation):
    form = "debt_check_form"
    readers = {slot: answers.READERS[slot] for slot in DEBT_SLOTS}


class ActionDebtCheckResult(CheckResult):
    """Urgent (eviction, cut-off, attachment): call the gemeente today, and an urgent handover;
    otherwise free help and the steps."""

    check = "debt"
    slots = DEBT_SLOTS

    def advise(self, tracker: Tracker, rules: Dict[str, Dict[str, Any]]) -> Advice:
        kinds = tuple(filter(None, (answer(tracker, "debt_kinds") or "").split(",")))
        return advise(DebtAnswers(kinds=kinds, bailiff=answer(tracker, "debt_bailiff"),
                                  threat=answer(tracker, "debt_threat"),
                                  attachment=answer(tracker, "debt_attachment")), rules)
