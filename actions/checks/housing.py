"""The housing check's decision logic, apart from the conversation.

Unsafe where they live comes first (stabilise first: docs/content-format.md): the safety lines, then the rest.
No place to sleep, or having to leave within days, is urgent too. Urgency rules differ per
gemeente (none specific to leaving sex work), so the check says where to ask, never what the
gemeente will decide.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, Optional

from actions.checks.advice import Advice

SITUATIONS = ("workplace", "with_others", "no_fixed", "own")
LEAVING = ("days", "weeks", "no", "unknown")


@dataclass(frozen=True)
class HousingAnswers:
    situation: Optional[str] = None   # SITUATIONS
    safe: Optional[str] = None        # safe where they live: yes | no | unknown
    leaving: Optional[str] = None     # must leave soon: LEAVING
    registered: Optional[str] = None  # on an address in the BRP: yes | no | unknown
    house_seeker: Optional[str] = None  # registered as woningzoekende: yes | no | unknown


def advise(answers: HousingAnswers, rules: Dict[str, Dict[str, Any]]) -> Advice:
    advice = Advice()
    unsafe = answers.safe == "no"
    nowhere = answers.situation == "no_fixed" or answers.leaving == "days"
    advice.urgent = unsafe or nowhere
    if advice.urgent:  # what the worker reads as the reason (actions/checks/advice.py)
        advice.reasons = [code for code, applies in (
            ("unsafe", unsafe), ("no_fixed_address", answers.situation == "no_fixed"),
            ("leave_within_days", answers.leaving == "days"),
            ("lives_at_workplace", answers.situation == "workplace"),
            ("not_registered", answers.registered == "no")) if applies]
    if unsafe:
        advice.first += ["danger_112", "veilig_thuis", "comensha"]
    elif answers.safe == "unknown":
        advice.notes.append("unsure_safe")
    if nowhere:
        advice.steps.append("shelter_tonight")
    if answers.registered in ("no", "unknown") or answers.situation == "no_fixed":
        # Without an address there is no post, no benefit and no toeslagen.
        advice.steps.append("briefadres")
    if answers.house_seeker != "yes":
        advice.steps.append("register_house_seeker")
    if answers.leaving in ("days", "weeks") or answers.situation in ("workplace", "no_fixed") or unsafe:
        advice.steps.append("ask_urgency")
    if answers.situation == "workplace":
        advice.notes.append("workplace_goes_with_work")
    elif answers.situation == "with_others":
        advice.notes.append("with_others_benefits")
    advice.steps.append("pmw_can_help")
    advice.notes.append("gemeente_decides")
    return advice
