"""What a guided check's decision logic returns: codes for the options, the steps in the order to
take them and the notes, the rules whose amounts the wording needs, and whether it cannot wait.
The texts for the codes are content (data/content/checks.yml: utter_<check>_<kind>_<code>); the
bot service renders them. No wording here.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Sequence


@dataclass
class Advice:
    options: List[str] = field(default_factory=list)
    steps: List[str] = field(default_factory=list)     # in the order to take them
    notes: List[str] = field(default_factory=list)
    # The rules (data/check_rules.yml) whose amounts the texts need: {placeholder: rule name}.
    amounts: Dict[str, str] = field(default_factory=dict)
    # Today, not later (stabilise first): the handover offered is marked urgent.
    urgent: bool = False
    # Why, for the worker: short codes the check owns ("eviction"), sent as "<check>_<code>"
    # (bot/handover/handovers.py URGENT_REASONS lists them). Never an answer's text.
    reasons: List[str] = field(default_factory=list)
    # Said before anything else: the safety lines when someone is not safe where they live.
    first: List[str] = field(default_factory=list)

    def use_rule(self, rules: Dict[str, Dict[str, Any]], rule: str, placeholder: str) -> None:
        """Makes a rule's amount available to the texts as {placeholder}, when it is served
        (otherwise the text without the amount is said)."""
        if rule in rules:
            self.amounts[placeholder] = rule


def urgent_codes(check: str, advice: Advice, earlier: Any) -> List[str]:
    """What the urgent_need slot holds after an urgent result: the codes of earlier checks (True,
    from before codes were kept, stays as "check"), then this check's, which replace its own
    earlier ones. A check without reasons is named as a whole ("debt_check")."""
    kept: Sequence[Any] = ["check"] if earlier is True else earlier if isinstance(earlier, list) else []
    mine = [f"{check}_{reason}" for reason in advice.reasons] or [f"{check}_check"]
    return [code for code in kept if isinstance(code, str) and not code.startswith(f"{check}_")] + mine
