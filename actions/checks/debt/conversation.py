"""The debt check's conversation: the form's validation and the result action.
The advice is actions/checks/debt/decision.py; saying it is actions/checks/result.py."""
from __future__ import annotations

from typing import Any, Dict

from rasa_sdk import Tracker

from actions.checks.advice import Advice
from actions.checks.debt.decision import DebtAnswers, advise
from actions.checks.form import CheckFormValidation, questions_of
from actions.checks.result import CheckResult, answer


class ValidateDebtCheckForm(CheckFormValidation):
    form = "debt_check_form"
    questions = questions_of("debt")


class ActionDebtCheckResult(CheckResult):
    """Urgent (eviction, cut-off, attachment): call the gemeente today, and an urgent handover;
    otherwise free help and the steps."""

    check = "debt"

    def advise(self, tracker: Tracker, rules: Dict[str, Dict[str, Any]]) -> Advice:
        kinds = tuple(filter(None, (answer(tracker, "debt_kinds") or "").split(",")))
        return advise(DebtAnswers(kinds=kinds, bailiff=answer(tracker, "debt_bailiff"),
                                  threat=answer(tracker, "debt_threat"),
                                  attachment=answer(tracker, "debt_attachment")), rules)
