"""The stopping-as-self-employed check's decision logic, apart from the conversation.

The order is the point: Bbz is asked for while still working and still registered at the KvK,
because being in the Handelsregister is a condition (Ondernemersplein); only then
deregister, file the final btw and income-tax returns, and keep the books 7 years. Opting-in
and unregistered work have no KvK step.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, Optional

from actions.checks.advice import Advice

STATUS = ("not_yet", "stopped", "deregistered")
BOOKS = ("yes", "partly", "no", "unknown")


@dataclass(frozen=True)
class StoppingAnswers:
    work: Optional[str] = None      # kvk | opting_in | other (as in the income check)
    status: Optional[str] = None    # STATUS
    income: Optional[str] = None    # enough income after stopping: yes | no | unknown
    btw: Optional[str] = None       # filed btw returns: yes | no | unknown
    books: Optional[str] = None     # BOOKS


def advise(answers: StoppingAnswers, rules: Dict[str, Dict[str, Any]]) -> Advice:
    advice = Advice()
    needs_income = answers.income != "yes"
    if answers.work == "opting_in":
        advice.steps += ["opting_in_year_statement", "income_tax_return"]
        advice.notes += ["opting_in_no_kvk", "opting_in_no_bbz"]
    elif answers.work == "other":
        advice.steps.append("unregistered_talk_first")
        advice.notes.append("belastingtelefoon")
    else:  # KvK, or not said: the KvK order is the one that can go wrong
        if needs_income and answers.status != "deregistered":
            advice.steps.append("bbz_first" if answers.status != "stopped" else "bbz_ask_now")
            advice.use_rule(rules, "bbz_months", "months")
            advice.use_rule(rules, "bbz_min_hours_per_year", "hours")
            advice.notes.append("bbz_conditions")
        if answers.status == "deregistered":
            if needs_income:
                advice.notes.append("bbz_after_deregistering")
        else:
            advice.steps.append("deregister_kvk")
        if answers.btw != "no":
            advice.steps.append("final_btw_return")
        advice.steps.append("income_tax_return_stopping_profit")
        if answers.work is None:
            advice.notes.append("opting_in_different")
    if answers.work != "other":
        advice.steps.append("keep_books")
        advice.use_rule(rules, "books_keep_years", "years")
        if answers.books in ("partly", "no", "unknown"):
            advice.notes.append("books_missing")
    if needs_income:
        advice.notes.append("income_check")
    advice.steps.append("pmw_can_help")
    return advice
