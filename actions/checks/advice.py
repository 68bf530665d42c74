"""What a guided check's decision logic returns: codes for the options, the steps in
the order to take them and the notes, the rules the wording needs, and whether it cannot wait.
The texts for the codes are content (data/content/checks.yml: utter_<check>_<kind>_<code>).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Sequence


@dataclass
class Advice:
    options: List[str] = field(default_factory=list)
    steps: List[str] = field(default_factory=list)     # in the order to take them
    notes: List[str] = field(default_factory=list)
    # Rules the wording needs, as served: {"value", "year", "stale", "check_at", ...}
    values: Dict[str, Dict[str, Any]] = field(default_factory=dict)
    # Today, not later (stabilise first: docs/content-format.md): the handover offered is marked urgent.
    urgent: bool = False
    # Why, for the worker: short codes the check owns ("eviction"), sent as "<check>_<code>"
    # (bot/handover/handovers.py URGENT_REASONS lists them). Never an answer's text.
    reasons: List[str] = field(default_factory=list)
    # Said before anything else: the safety lines when someone is not safe where they live.
    first: List[str] = field(default_factory=list)

    def use_rule(self, rules: Dict[str, Dict[str, Any]], rule: str, placeholder: str) -> None:
        """Makes a rule's amount available to the texts as {placeholder}, when it is served."""
        if rule in rules:
            self.values[placeholder] = rules[rule]


def urgent_codes(check: str, advice: Advice, earlier: Any) -> List[str]:
    """What the urgent_need slot holds after an urgent result: the codes of earlier checks (True,
    from before codes were kept, stays as "check"), then this check's, which replace its own
    earlier ones. A check without reasons is named as a whole ("debt_check")."""
    kept: Sequence[Any] = ["check"] if earlier is True else earlier if isinstance(earlier, list) else []
    mine = [f"{check}_{reason}" for reason in advice.reasons] or [f"{check}_check"]
    return [code for code in kept if isinstance(code, str) and not code.startswith(f"{check}_")] + mine


# (Dutch, an amount of money) -> how to say "check what holds now" once the year has passed:
# "3 (in 2025; check wat nu geldt bij de gemeente) werkdagen", not "check het bedrag".
STALE_HINTS = {(True, True): "check het bedrag van nu bij", (True, False): "check wat nu geldt bij",
               (False, True): "check the current amount at", (False, False): "check what applies now at"}


def careful_amount(rule: Dict[str, Any], language: str, this_year: int) -> str:
    """"€ 7.575 (2026)"; "€ 7.575 (in 2024; check het bedrag van nu bij rijksoverheid.nl)" when the
    year has passed; a period ("3" werkdagen) names its year only then."""
    value = rule["value"]
    amount = f"{value:,.2f}" if isinstance(value, float) else f"{value:,}"
    if language == "nl":  # 1.219,64 in Dutch, 1,219.64 in English
        amount = amount.translate(str.maketrans({",": ".", ".": ","}))
    euro = rule.get("unit", "").startswith("euro")
    if euro:
        amount = f"€ {amount}"  # other units ("weken") are words of the answer's own text
    if rule["year"] < this_year:
        return f"{amount} (in {rule['year']}; {STALE_HINTS[language == 'nl', euro]} {rule['check_at']})"
    # Every amount names its year (docs/content-format.md). Periods set by law ("3 werkdagen") are exempt while
    # the rule's year is this year: docs/content-format.md, "Years in texts".
    return f"{amount} ({rule['year']})" if euro else amount
