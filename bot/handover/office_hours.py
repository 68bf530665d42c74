"""Office hours as operators write them in data/regions.yml ("ma-vr 9:00-17:00; za 10:00-12:00"):
is a region open now, and when does it open next. Times are Dutch local time.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

DUTCH_TIME = ZoneInfo("Europe/Amsterdam")
DAYS = ("ma", "di", "wo", "do", "vr", "za", "zo")
DAY_NAMES = {
    "nl": ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}
_PART = re.compile(r"^\s*(?P<first>[a-z]{2})(\s*-\s*(?P<last>[a-z]{2}))?\s+"
                   r"(?P<open>\d{1,2}[:.]\d{2})\s*-\s*(?P<close>\d{1,2}[:.]\d{2})\s*$")


class OfficeHoursError(ValueError):
    pass


def _time(text: str) -> time:
    hours, minutes = re.split(r"[:.]", text)
    return time(int(hours), int(minutes))


@dataclass(frozen=True)
class OfficeHours:
    # Per weekday (Monday 0), the (open, close) intervals.
    week: tuple[tuple[tuple[time, time], ...], ...]

    @classmethod
    def parse(cls, text: str) -> "OfficeHours":
        week: list[list[tuple[time, time]]] = [[] for _ in DAYS]
        for part in filter(str.strip, re.split(r"[;,]", text.lower())):
            match = _PART.match(part)
            if match is None or match["first"] not in DAYS or (match["last"] or match["first"]) not in DAYS:
                raise OfficeHoursError(f"office hours {text!r}: write them like 'ma-vr 9:00-17:00'")
            first, last = DAYS.index(match["first"]), DAYS.index(match["last"] or match["first"])
            opens, closes = _time(match["open"]), _time(match["close"])
            if closes <= opens:
                raise OfficeHoursError(f"office hours {text!r}: closing time before opening time")
            for day in range(first, last + 1):
                week[day].append((opens, closes))
        return cls(tuple(tuple(sorted(day)) for day in week))

    def is_open(self, at: datetime) -> bool:
        local = at.astimezone(DUTCH_TIME)
        return any(opens <= local.time() < closes for opens, closes in self.week[local.weekday()])

    def next_open(self, at: datetime) -> datetime | None:
        """The next opening moment after `at` (Dutch local time), or None if never open."""
        local = at.astimezone(DUTCH_TIME)
        for days_ahead in range(8):
            day = (local + timedelta(days=days_ahead)).date()
            for opens, _ in self.week[day.weekday()]:
                moment = datetime.combine(day, opens, DUTCH_TIME)
                if moment > local:
                    return moment
        return None


def describe(moment: datetime, language: str) -> str:
    """'maandag 9:00' / 'Monday 9:00'."""
    names = DAY_NAMES.get(language, DAY_NAMES["nl"])
    return f"{names[moment.weekday()]} {moment.hour}:{moment.minute:02d}"
