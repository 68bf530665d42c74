"""Office hours as operators write them in data/regions.yml ("ma-vr 9:00-17:00; za 10:00-12:00"):
is a region open now, and when does it open next. Times are Dutch local time.

Offices are closed on the Dutch public holidays that are a general day off (public_holidays) and
on a region's own closures (`closed: ["2026-12-24", "2026-12-28/2026-12-31"]`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

DUTCH_TIME = ZoneInfo("Europe/Amsterdam")
DAYS = ("ma", "di", "wo", "do", "vr", "za", "zo")
DAY_NAMES = {
    "nl": ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}
MONTH_NAMES = {
    "nl": ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september",
           "oktober", "november", "december"),
    "en": ("January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December"),
}
_PART = re.compile(r"^\s*(?P<first>[a-z]{2})(\s*-\s*(?P<last>[a-z]{2}))?\s+"
                   r"(?P<open>\d{1,2}[:.]\d{2})\s*-\s*(?P<close>\d{1,2}[:.]\d{2})\s*$")


# How far ahead next_open looks: past the longest closure a region may write (a year) and the
# holidays around it.
SEARCH_DAYS = 400
LONGEST_CLOSURE_DAYS = 366
_CLOSURE_EXAMPLE = "write a date like '2026-12-24' or a period like '2026-12-28/2026-12-31'"


class OfficeHoursError(ValueError):
    pass


def easter(year: int) -> date:
    """Easter Sunday in the Gregorian calendar (the anonymous algorithm, Meeus/Jones/Butcher)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    l = (32 + 2 * e + 2 * i - h - k) % 7  # noqa: E741 (the algorithm's own name)
    m = (a + 11 * h + 22 * l) // 451
    month, day = divmod(h + l - 7 * m + 114, 31)
    return date(year, month, day + 1)


@lru_cache(maxsize=16)
def public_holidays(year: int) -> dict[date, str]:
    """The Dutch public holidays on which the PMW offices are closed, by date.

    Goede Vrijdag is not a general day off in the Netherlands, so offices are open. Bevrijdingsdag
    (5 May) is a general day off only once every five years, by collective agreement and not for
    everyone: open too; a region that closes writes it under `closed`. Christmas Eve and New
    Year's Eve are ordinary days, unless a region closes."""
    easter_sunday = easter(year)
    kings_day = date(year, 4, 27)
    if kings_day.weekday() == 6:  # on a Sunday, Koningsdag is the Saturday before
        kings_day = date(year, 4, 26)
    return {
        date(year, 1, 1): "Nieuwjaarsdag",
        easter_sunday: "Eerste Paasdag",
        easter_sunday + timedelta(days=1): "Tweede Paasdag",
        kings_day: "Koningsdag",
        easter_sunday + timedelta(days=39): "Hemelvaartsdag",
        easter_sunday + timedelta(days=49): "Eerste Pinksterdag",
        easter_sunday + timedelta(days=50): "Tweede Pinksterdag",
        date(year, 12, 25): "Eerste Kerstdag",
        date(year, 12, 26): "Tweede Kerstdag",
    }


def _closure_date(text: str, written: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise OfficeHoursError(f"closed {written!r}: {_CLOSURE_EXAMPLE}") from None


def parse_closures(raw: Any) -> tuple[tuple[date, date], ...]:
    """A region's `closed` list as (first, last day) periods: "2026-12-24" closes one day,
    "2026-12-28/2026-12-31" each day from the first to the last. YAML may give dates as dates."""
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise OfficeHoursError(f"closed: a list of dates and periods; {_CLOSURE_EXAMPLE}")
    periods = []
    for item in raw:
        if isinstance(item, date) and not isinstance(item, datetime):
            periods.append((item, item))
            continue
        written = str(item)
        parts = written.split("/")
        if not isinstance(item, str) or len(parts) > 2:
            raise OfficeHoursError(f"closed {written!r}: {_CLOSURE_EXAMPLE}")
        first, last = _closure_date(parts[0], written), _closure_date(parts[-1], written)
        if last < first:
            raise OfficeHoursError(f"closed {written!r}: the period ends before it starts")
        if (last - first).days >= LONGEST_CLOSURE_DAYS:
            raise OfficeHoursError(f"closed {written!r}: longer than a year; change the office hours "
                                   "or the region instead")
        periods.append((first, last))
    return tuple(periods)


def closure_texts(raw: Any) -> tuple[str, ...]:
    """The `closed` list as text, as the file writes it ("2026-12-24", "2026-12-28/2026-12-31")."""
    return tuple(item.isoformat() if isinstance(item, date) else str(item) for item in raw or ())


def _time(text: str) -> time:
    hours, minutes = re.split(r"[:.]", text)
    return time(int(hours), int(minutes))


@dataclass(frozen=True)
class OfficeHours:
    # Per weekday (Monday 0), the (open, close) intervals.
    week: tuple[tuple[tuple[time, time], ...], ...]
    # The region's own closures, (first, last day); public holidays are closed for every region.
    closed: tuple[tuple[date, date], ...] = ()

    @classmethod
    def parse(cls, text: str, closed: Any = None) -> "OfficeHours":
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
        periods = parse_closures(list(closed) if isinstance(closed, (list, tuple)) else closed)
        return cls(tuple(tuple(sorted(day)) for day in week), periods)

    def closed_on(self, day: date) -> bool:
        """A public holiday or one of the region's closures: no one is in all day."""
        return day in public_holidays(day.year) or any(first <= day <= last for first, last in self.closed)

    def is_open(self, at: datetime) -> bool:
        local = at.astimezone(DUTCH_TIME)
        if self.closed_on(local.date()):
            return False
        return any(opens <= local.time() < closes for opens, closes in self.week[local.weekday()])

    def next_open(self, at: datetime) -> datetime | None:
        """The next opening moment after `at` (Dutch local time), past holidays and closures, or
        None if not open within SEARCH_DAYS."""
        local = at.astimezone(DUTCH_TIME)
        for days_ahead in range(SEARCH_DAYS):
            day = local.date() + timedelta(days=days_ahead)
            if self.closed_on(day):
                continue
            for opens, _ in self.week[day.weekday()]:
                moment = datetime.combine(day, opens, DUTCH_TIME)
                if moment > local:
                    return moment
        return None


def describe(moment: datetime, language: str, now: datetime | None = None) -> str:
    """'maandag 9:00' / 'Monday 9:00'; with the date ('maandag 4 januari 9:00') when `now` is
    given and the moment is a week or more away (after a long closure "maandag" would be wrong)."""
    names = DAY_NAMES.get(language, DAY_NAMES["nl"])
    local = moment.astimezone(DUTCH_TIME) if moment.tzinfo else moment
    day = names[local.weekday()]
    if now is not None and (local.date() - now.astimezone(DUTCH_TIME).date()).days >= 7:
        month = MONTH_NAMES.get(language, MONTH_NAMES["nl"])[local.month - 1]
        day = f"{day} {local.day} {month}"
    return f"{day} {local.hour}:{local.minute:02d}"
