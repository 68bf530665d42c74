"""What the action tests' fake bot API answers, in one place: tests/actions/test_contract.py holds
every answer here against the bot service's JSON Schema, so a fake cannot drift from the real API.
"""
from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
RULES = yaml.safe_load((ROOT / "data" / "check_rules.yml").read_text(encoding="utf-8"))
# The rule's fields GET /internal/v1/rules serves (not its source: that is for editors).
SERVED_RULE_FIELDS = ("value", "unit", "year", "check_at", "verify")


def served_rules(this_year: int) -> dict[str, dict[str, Any]]:
    """data/check_rules.yml as GET /internal/v1/rules serves it."""
    return {name: {**{field: rule.get(field, False) for field in SERVED_RULE_FIELDS},
                   "stale": rule["year"] < this_year} for name, rule in RULES.items()}


def created(**overrides: Any) -> dict[str, Any]:
    """201 from POST /internal/v1/handovers."""
    return {"reference": "K7M-4QX",
            "region": {"id": "utrecht", "name": "Utrecht", "organisation": "Belle Hulpverlening",
                       "contact": ""},
            "office_open": True, "response_minutes": 15,
            "next_open": {"nl": "maandag 9:00", "en": "Monday 9:00"}, "urgent": False, **overrides}


# 429 from POST /internal/v1/handovers: too many lately; whom to call instead.
REFUSED = {"refused": "too_many_handovers",
           "region": {"id": "rotterdam", "name": "Rotterdam", "organisation": "Humanitas PMW",
                      "contact": "010 123 45 67"}}


def resolved(office_open: bool = False) -> dict[str, Any]:
    """200 from POST /internal/v1/regions/resolve for "Apeldorn"."""
    return {"gemeente": {"code": "GM0200", "name": "Apeldoorn"}, "region": {
        "id": "apeldoorn", "name": "Noord- en Oost-Gelderland", "organisation": "Rebelz",
        "office_hours": "ma-vr 9:00-17:00", "confirmed": False, "office_open": office_open,
        "next_open": {"nl": "dinsdag 9:00", "en": "Tuesday 9:00"}}}


# Every answer above, by the route and status it stands for.
CANNED: list[tuple[str, str, Any]] = [
    ("POST /internal/v1/handovers", "201", created()),
    ("POST /internal/v1/handovers", "201", created(office_open=False, urgent=True,
                                                   region={**REFUSED["region"]})),
    ("POST /internal/v1/handovers", "429", REFUSED),
    ("POST /internal/v1/handovers", "429", {**REFUSED, "region": {**REFUSED["region"], "contact": ""}}),
    ("POST /internal/v1/regions/resolve", "200", resolved()),
    ("POST /internal/v1/regions/resolve", "200", {"gemeente": None, "region": {
        **resolved()["region"], "id": "national", "office_open": True}}),
    ("GET /internal/v1/rules", "200", served_rules(date.today().year)),
]
