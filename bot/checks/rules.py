"""The yearly figures and rules (amounts, limits, periods) as data: read from
data/check_rules.yml, each with its year and source. The guided checks word them with care when
the year has passed; answers show them with their year through "{rule:<name>}". Never decides
anything itself: the checks (actions/checks/) do.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from bot import yaml_files

# The words of a unit after "euro", in English ("weken" and the like stay Dutch: checks only).
_ENGLISH_UNITS = {"per maand": "a month", "per jaar": "a year", "per week": "a week"}


class RuleError(ValueError):
    """A rule the checks cannot use; the message names it and the problem."""


@dataclass(frozen=True)
class Rule:
    name: str
    value: float
    unit: str
    year: int
    source: str
    check_at: str
    verify: bool = False

    def stale(self, this_year: int) -> bool:
        return self.year < this_year

    def as_json(self, this_year: int) -> dict[str, Any]:
        value = int(self.value) if float(self.value).is_integer() else self.value
        return {"value": value, "unit": self.unit, "year": self.year, "check_at": self.check_at,
                "verify": self.verify, "stale": self.stale(this_year)}

    def worded(self, language: str) -> str:
        """The amount with its year, as an answer shows it: "€ 1.369,06 per maand (2025)"."""
        value = self.value
        amount = f"{value:,.2f}" if not float(value).is_integer() else f"{int(value):,}"
        if language == "nl":  # 1.369,06 in Dutch, 1,369.06 in English
            amount = amount.translate(str.maketrans(",.", ".,"))
        unit = self.unit
        if unit.startswith("euro"):
            rest = unit[len("euro"):].strip()
            unit = _ENGLISH_UNITS.get(rest, rest) if language == "en" else rest
            amount = f"€ {amount}" if language == "nl" else f"€{amount}"
        return " ".join(filter(None, [amount, unit])) + f" ({self.year})"

    def as_data(self) -> dict[str, Any]:
        """As data/check_rules.yml holds it."""
        data = asdict(self)
        del data["name"]
        if not data["verify"]:
            del data["verify"]
        if float(data["value"]).is_integer():
            data["value"] = int(data["value"])
        return data


def parse_rules(raw: Any, where: str = "data/check_rules.yml") -> dict[str, Rule]:
    if not isinstance(raw, dict):
        raise RuleError(f"{where}: expected a mapping of rule names")
    rules = {}
    for name, item in raw.items():
        if not isinstance(item, dict):
            raise RuleError(f"{where}: {name}: expected value, unit, year, source, check_at")
        value, year = item.get("value"), item.get("year")
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise RuleError(f"{where}: {name}: value must be a number")
        if not isinstance(year, int) or not 2000 <= year <= 2100:
            raise RuleError(f"{where}: {name}: year must be the year the value holds for")
        if not str(item.get("source") or "").strip() or not str(item.get("check_at") or "").strip():
            raise RuleError(f"{where}: {name}: a source and where to check the current value are required")
        rules[str(name)] = Rule(str(name), value, str(item.get("unit") or ""), year, str(item["source"]),
                                str(item["check_at"]), bool(item.get("verify")))
    return rules


def read_rules(path: Path) -> dict[str, Rule]:
    return parse_rules(yaml_files.load(path.read_text(encoding="utf-8")), str(path))
