"""Which income support may fit: the decision logic of the income check, kept apart
from the conversation so it can be tested as a table.

Takes the user's answers (any may be skipped: None) and the rules served by the bot service
(amounts with their year); returns codes for options, steps in order and notes. The texts for the
codes live in data/content/. Never says that someone *will* get something: the gemeente decides.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, Optional

from actions.checks.advice import Advice

AGE_BANDS = ("under_18", "18_20", "21_26", "27_plus")
WORK = ("kvk", "opting_in", "other")
HOUSEHOLD = ("alone", "partner", "children")
UNDER_27 = ("18_20", "21_26")


@dataclass(frozen=True)
class IncomeAnswers:
    age: Optional[str] = None
    registered: Optional[str] = None  # in a Dutch gemeente, with a BSN
    work: Optional[str] = None
    household: Optional[str] = None
    savings_above_limit: Optional[str] = None


def advise(answers: IncomeAnswers, rules: Dict[str, Dict[str, Any]]) -> Advice:
    advice = Advice()
    if answers.age == "under_18":
        # Sex work is legal only from 18: a minor in it is a victim under Dutch law (art. 273f
        # Sr), whatever else they answered. Safety lines first, "not your fault", and the
        # handover they ask for is urgent; no money advice.
        advice.first.append("under_18_safety")
        advice.notes.append("under_18")
        advice.urgent = True
        advice.reasons.append("under_18")
        return advice

    self_employed = answers.work == "kvk"
    savings = answers.savings_above_limit
    if self_employed:
        advice.options.append("bbz")
    if savings != "yes":
        advice.options.append("bijstand")
    advice.options.append("toeslagen")

    limit = "bijstand_asset_limit_single" if answers.household in (None, "alone") else "bijstand_asset_limit_couple"
    advice.use_rule(rules, limit, "asset_limit")
    if savings == "yes":
        advice.notes.append("savings_above_limit")
    elif savings in (None, "unknown"):
        advice.notes.append("savings_check_limit")
    if answers.work == "opting_in":
        # The operator withheld wage tax: not a business of one's own, so no Bbz.
        advice.notes.append("opting_in_no_bbz")

    if self_employed:
        # The order that keeps the Bbz open: ask for it while still registered and working.
        advice.steps.append("bbz_before_stopping")
        advice.use_rule(rules, "bbz_months", "bbz_months")
    if answers.registered in ("no", "unknown"):
        advice.steps.append("register_gemeente")
        advice.notes.append("without_bsn")
    advice.steps.append("get_digid")
    if "bijstand" in advice.options:
        advice.steps.append("apply_werk_nl")
        if answers.age in UNDER_27 or answers.age is None:
            advice.steps.append("search_period_under_27")
            advice.use_rule(rules, "under_27_search_weeks", "search_weeks")
    if "bijstand" in advice.options or self_employed:
        advice.steps.append("gemeente_work_income_desk")
    advice.steps.append("apply_toeslagen")
    if answers.age == "18_20":
        advice.notes.append("huurtoeslag_full_from_21")
    if answers.household == "children":
        advice.notes.append("children_count")
    advice.steps.append("pmw_can_help")
    advice.notes.append("gemeente_decides")
    return advice

