"""The debt check's decision logic, apart from the conversation so it can be tested as
a table.

Urgent means the roof or the energy is at stake, or income is already being taken: then the
gemeente must act within 3 working days (Wet gemeentelijke schuldhulpverlening, for eviction and
cut-off) and the check says to call today and offers an urgent handover. Otherwise free help
first: Geldfit, volunteers, the gemeente's schuldhulp. The rules come from data/check_rules.yml.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, Optional, Tuple

from actions.checks.advice import Advice

KINDS = ("tax", "health_insurance", "rent", "energy", "loans", "fines", "several", "other")
# "yes": eviction or cut-off, not said which.
THREATS = ("eviction", "cutoff", "yes", "no", "unknown")
URGENT_THREATS = ("eviction", "cutoff", "yes")
URGENT_THREAT_REASONS = {"eviction": "eviction", "cutoff": "cutoff", "yes": "eviction_or_cutoff"}
# Kinds with a note of their own: who to ask for a payment plan.
KIND_NOTES = ("tax", "health_insurance", "fines")


@dataclass(frozen=True)
class DebtAnswers:
    kinds: Tuple[str, ...] = ()       # any of KINDS; empty when skipped
    bailiff: Optional[str] = None     # letters from a deurwaarder: yes | no | unknown
    threat: Optional[str] = None      # eviction | cutoff | no | unknown
    attachment: Optional[str] = None  # beslag on wage, benefit or account: yes | no | unknown


def is_urgent(answers: DebtAnswers) -> bool:
    return answers.threat in URGENT_THREATS or answers.attachment == "yes"


def advise(answers: DebtAnswers, rules: Dict[str, Dict[str, Any]]) -> Advice:
    advice = Advice(urgent=is_urgent(answers))
    if advice.urgent:
        if answers.threat in URGENT_THREATS:
            # The legal 3 working days hold for eviction and cut-off.
            advice.steps.append(f"call_gemeente_today_{answers.threat}")
            advice.use_rule(rules, "schuldhulp_urgent_working_days", "days")
        else:
            advice.steps.append("call_gemeente_today_attachment")
        advice.steps.append("tell_creditor_help_asked")
        # What the worker reads as the reason (actions/checks/advice.py).
        advice.reasons = [code for code, applies in (
            (URGENT_THREAT_REASONS.get(answers.threat or ""), answers.threat in URGENT_THREATS),
            ("attachment", answers.attachment == "yes"), ("bailiff", answers.bailiff == "yes"))
            if applies and code]
        if answers.attachment == "yes":
            advice.notes.append("attachment_free_part")
    else:
        advice.steps += ["geldfit", "open_letters", "gemeente_schuldhulp"]
        advice.use_rule(rules, "schuldhulp_first_action_weeks", "weeks")
        advice.notes.append("volunteer_help")
    if answers.bailiff == "yes":
        advice.steps.append("bailiff_call_back")
    advice.steps.append("pay_fixed_costs_first")
    advice.notes += [f"kind_{kind}" for kind in KIND_NOTES if kind in answers.kinds]
    if len(answers.kinds) > 2 or "several" in answers.kinds:
        advice.notes.append("many_debts_arrangement")
    advice.steps.append("pmw_can_help")
    return advice
