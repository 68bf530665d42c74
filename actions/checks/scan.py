"""The life-domain scan's data: its domains, the ratings, and the order of the overview
(worried first). No conversation here, so the handover can read a scan without the form.
"""
from __future__ import annotations

from typing import Any, Callable, Dict, List, Tuple

SCAN_DOMAINS = ("money", "safety", "housing", "health", "people", "work")
SCAN_SLOTS = tuple(f"scan_{domain}" for domain in SCAN_DOMAINS)
RATINGS = ("fine", "better", "worried")
# Worried first, then "could be better"; fine and skipped domains need no step.
NEEDS_STEP = ("worried", "better")


def ratings(get_slot: Callable[[str], Any]) -> Dict[str, str]:
    """{"money": "worried", ...} for the domains rated (a skip, "-", is left out), in scan order."""
    found = {domain: get_slot(f"scan_{domain}") for domain in SCAN_DOMAINS}
    return {domain: rating for domain, rating in found.items() if rating in RATINGS}


def ordered(rated: Dict[str, str]) -> List[Tuple[str, str]]:
    """The domains that need a step, worried ones first, each group in the scan's order."""
    return [(domain, rating) for wanted in NEEDS_STEP for domain, rating in rated.items()
            if rating == wanted]
