"""The income check's decision table: answers -> options, steps in order, notes.
Run with .venv-rasa's pytest. The rules are the project's own data/check_rules.yml, as the bot
service serves them."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from actions.checks.advice import careful_amount
from actions.checks.income import IncomeAnswers, advise

RULES_FILE = Path(__file__).resolve().parents[2] / "data" / "check_rules.yml"
RULES = {name: {**rule, "stale": rule["year"] < 2026}
         for name, rule in yaml.safe_load(RULES_FILE.read_text(encoding="utf-8")).items()}

FIRST = object()  # marks "this step comes first"

# age, registered, work, household, savings -> options, steps that must be there (in this order), notes
TABLE = [
    # 1-4: self-employed with KvK: Bbz before stopping, and before deregistering, comes first
    (("27_plus", "yes", "kvk", "alone", "no"), ["bbz", "bijstand", "toeslagen"],
     [FIRST, "bbz_before_stopping", "get_digid", "apply_werk_nl", "gemeente_work_income_desk"], ["gemeente_decides"]),
    (("21_26", "yes", "kvk", "alone", "no"), ["bbz", "bijstand", "toeslagen"],
     [FIRST, "bbz_before_stopping", "apply_werk_nl", "search_period_under_27"], []),
    (("27_plus", "no", "kvk", "partner", "no"), ["bbz", "bijstand", "toeslagen"],
     [FIRST, "bbz_before_stopping", "register_gemeente", "get_digid"], ["without_bsn"]),
    (("27_plus", "yes", "kvk", "alone", "yes"), ["bbz", "toeslagen"],
     [FIRST, "bbz_before_stopping", "gemeente_work_income_desk"], ["savings_above_limit"]),
    # 5-7: opting-in: not a business of one's own, so no Bbz
    (("27_plus", "yes", "opting_in", "alone", "no"), ["bijstand", "toeslagen"],
     ["get_digid", "apply_werk_nl"], ["opting_in_no_bbz"]),
    (("21_26", "yes", "opting_in", "children", "no"), ["bijstand", "toeslagen"],
     ["apply_werk_nl", "search_period_under_27"], ["opting_in_no_bbz", "children_count"]),
    (("18_20", "no", "opting_in", "alone", "unknown"), ["bijstand", "toeslagen"],
     ["register_gemeente", "get_digid", "apply_werk_nl", "search_period_under_27"],
     ["opting_in_no_bbz", "savings_check_limit", "huurtoeslag_full_from_21", "without_bsn"]),
    # 8-11: other work
    (("27_plus", "yes", "other", "alone", "no"), ["bijstand", "toeslagen"],
     ["get_digid", "apply_werk_nl", "gemeente_work_income_desk", "apply_toeslagen", "pmw_can_help"], []),
    (("27_plus", "yes", "other", "partner", "yes"), ["toeslagen"], ["get_digid", "apply_toeslagen"],
     ["savings_above_limit"]),
    (("21_26", "yes", "other", "alone", "no"), ["bijstand", "toeslagen"],
     ["apply_werk_nl", "search_period_under_27"], []),
    (("18_20", "yes", "other", "alone", "no"), ["bijstand", "toeslagen"],
     ["apply_werk_nl", "search_period_under_27"], ["huurtoeslag_full_from_21"]),
    # 12-14: under 18: a victim under Dutch law; no money advice (safety first: see below)
    (("under_18", "yes", "other", "alone", "no"), [], [], ["under_18"]),
    (("under_18", "no", "kvk", None, None), [], [], ["under_18"]),
    (("under_18", None, None, None, None), [], [], ["under_18"]),
    # 15-17: not registered or not sure: registration (a briefadres is possible) before DigiD
    (("27_plus", "no", "other", "alone", "no"), ["bijstand", "toeslagen"],
     [FIRST, "register_gemeente", "get_digid", "apply_werk_nl"], ["without_bsn"]),
    (("27_plus", "unknown", "other", "alone", "no"), ["bijstand", "toeslagen"],
     ["register_gemeente", "get_digid"], ["without_bsn"]),
    (("21_26", "unknown", "kvk", "children", "unknown"), ["bbz", "bijstand", "toeslagen"],
     [FIRST, "bbz_before_stopping", "register_gemeente", "get_digid", "apply_werk_nl", "search_period_under_27"],
     ["savings_check_limit", "children_count", "without_bsn"]),
    # 18-20: skipped answers: never fewer options than the answers allow, and careful notes
    ((None, None, None, None, None), ["bijstand", "toeslagen"],
     ["get_digid", "apply_werk_nl", "search_period_under_27", "pmw_can_help"], ["savings_check_limit"]),
    (("27_plus", None, "kvk", None, None), ["bbz", "bijstand", "toeslagen"],
     [FIRST, "bbz_before_stopping", "get_digid"], ["savings_check_limit"]),
    ((None, "yes", "other", "partner", "yes"), ["toeslagen"], ["get_digid", "apply_toeslagen"],
     ["savings_above_limit"]),
    # 21-22: households pick the asset limit that applies to them
    (("27_plus", "yes", "other", "children", "unknown"), ["bijstand", "toeslagen"], ["apply_werk_nl"],
     ["children_count", "savings_check_limit"]),
    (("27_plus", "yes", "other", "partner", "no"), ["bijstand", "toeslagen"], ["apply_werk_nl"], []),
]


def in_order(wanted: list, steps: list[str]) -> bool:
    if wanted and wanted[0] is FIRST:
        wanted = wanted[1:]
        if steps[:1] != wanted[:1]:
            return False
    positions = [steps.index(step) for step in wanted if step in steps]
    return len(positions) == len(wanted) and positions == sorted(positions)


@pytest.mark.parametrize(("given", "options", "steps", "notes"), TABLE)
def test_income_check_decision_table(given, options, steps, notes):
    advice = advise(IncomeAnswers(*given), RULES)
    assert advice.options == options
    assert in_order(steps, advice.steps), advice.steps
    assert set(notes) <= set(advice.notes), advice.notes


def test_the_table_has_at_least_twenty_rows():
    assert len(TABLE) >= 20


def test_a_person_and_the_gemeente_deciding_are_always_said():
    for given, *_ in TABLE:
        if given[0] == "under_18":
            continue  # a person comes through the urgent end instead
        advice = advise(IncomeAnswers(*given), RULES)
        assert advice.steps[-1] == "pmw_can_help" and "gemeente_decides" in advice.notes


@pytest.mark.parametrize("given", [row[0] for row in TABLE if row[0][0] == "under_18"])
def test_someone_under_18_gets_safety_first_and_an_urgent_handover_not_money_advice(given):
    advice = advise(IncomeAnswers(*given), RULES)
    assert advice.first == ["under_18_safety"] and advice.urgent
    assert advice.options == [] and advice.steps == []


def test_the_asset_limit_follows_the_household():
    single = advise(IncomeAnswers("27_plus", "yes", "other", "alone", "unknown"), RULES).values["asset_limit"]
    couple = advise(IncomeAnswers("27_plus", "yes", "other", "partner", "unknown"), RULES).values["asset_limit"]
    assert (single["value"], couple["value"]) == (7575, 15150)


def test_a_passed_year_is_worded_with_care_and_a_current_one_plainly():
    limit = RULES["bijstand_asset_limit_single"]
    assert careful_amount(limit, "nl", 2026) == "€ 7.575 (in 2024; check het bedrag van nu bij rijksoverheid.nl)"
    assert careful_amount(limit, "en", 2026) == "€ 7,575 (in 2024; check the current amount at rijksoverheid.nl)"
    assert careful_amount(limit, "nl", 2024) == "€ 7.575 (2024)"
    norm = RULES["bijstand_norm_single_21"]
    assert careful_amount(norm, "nl", norm["year"]) == "€ 1.369,06 (2025)"
    assert careful_amount(norm, "en", norm["year"]) == "€ 1,369.06 (2025)"
    days = RULES["schuldhulp_urgent_working_days"]  # not money: no "amount" in the hint
    assert careful_amount(days, "nl", days["year"] + 1) == f"3 (in {days['year']}; check wat nu geldt bij de gemeente)"
    assert careful_amount(days, "en", days["year"] + 1) == f"3 (in {days['year']}; check what applies now at de gemeente)"
