"""Which income support may fit: the decision logic of the income check (issue 6), kept apart
from the conversation so it can be tested as a table.

Takes the user's answers (any may be skipped: None) and the rules served by the bot service
(amounts with their year); returns codes for options, steps in order and notes. The texts for the
codes live in data/content/. Never says that someone *will* get something: the gemeente decides.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

AGE_BANDS = ("under_18", "18_20", "21_26", "27_plus")
YES_NO = ("yes", "no", "unknown")
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


@dataclass
class IncomeAdvice:
    options: List[str] = field(default_factory=list)   # bijstand, bbz, toeslagen
    steps: List[str] = field(default_factory=list)     # in the order to take them
    notes: List[str] = field(default_factory=list)
    # Rules the wording needs, as served: {"value", "year", "stale", "check_at", ...}
    values: Dict[str, Dict[str, Any]] = field(default_factory=dict)


def advise(answers: IncomeAnswers, rules: Dict[str, Dict[str, Any]]) -> IncomeAdvice:
    advice = IncomeAdvice()
    if answers.age == "under_18":
        # Not bijstand or Bbz: youth help through the gemeente, and a person to sort it out with.
        advice.notes += ["under_18", "gemeente_decides"]
        advice.steps += ["gemeente_youth_help", "pmw_can_help"]
        return advice

    self_employed = answers.work == "kvk"
    savings = answers.savings_above_limit
    if self_employed:
        advice.options.append("bbz")
    if savings != "yes":
        advice.options.append("bijstand")
    advice.options.append("toeslagen")

    limit = "bijstand_asset_limit_single" if answers.household in (None, "alone") else "bijstand_asset_limit_couple"
    if limit in rules:
        advice.values["asset_limit"] = rules[limit]
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
        if "bbz_months" in rules:
            advice.values["bbz_months"] = rules["bbz_months"]
    if answers.registered in ("no", "unknown"):
        advice.steps.append("register_gemeente")
        advice.notes.append("without_bsn")
    advice.steps.append("get_digid")
    if "bijstand" in advice.options:
        advice.steps.append("apply_werk_nl")
        if answers.age in UNDER_27 or answers.age is None:
            advice.steps.append("search_period_under_27")
            if "under_27_search_weeks" in rules:
                advice.values["search_weeks"] = rules["under_27_search_weeks"]
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


def careful_amount(rule: Dict[str, Any], language: str, this_year: int) -> str:
    """"€ 7.575 (2024; check the current amount at rijksoverheid.nl)" when the year has passed."""
    value = rule["value"]
    amount = f"{value:,.2f}" if isinstance(value, float) else f"{value:,}"
    if language == "nl":  # 1.219,64 in Dutch, 1,219.64 in English
        amount = amount.translate(str.maketrans({",": ".", ".": ","}))
    if rule.get("unit", "").startswith("euro"):
        amount = f"€ {amount}"  # other units ("weken") are words of the answer's own text
    if rule["year"] < this_year:
        hint = "check het bedrag van nu bij" if language == "nl" else "check the current amount at"
        return f"{amount} (in {rule['year']}; {hint} {rule['check_at']})"
    return amount
