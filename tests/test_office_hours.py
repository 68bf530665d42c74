"""Office hours as operators write them, public holidays and a region's own closed days, and what
users are told and when handovers escalate."""
from __future__ import annotations

import asyncio
import re
from datetime import date, datetime, timedelta, timezone

import pytest

from bot.app import create_app
from bot.appkeys import HUB, STAFF_GROUP
from bot.content.keys import CONTENT_STORE
from bot.gateway.keys import CONVERSATIONS
from bot.handover.keys import ESCALATION, HANDOVERS, RELAY
from bot.regions.keys import REGIONS
from bot.handover.escalation import Escalation
from bot.handover.notices import UserNotices
from bot.regions.office_hours import (DUTCH_TIME, OfficeHours, OfficeHoursError, describe, easter,
                                       public_holidays)
from bot.settings import Settings
from support.staff import add_user, make_handover

WEEKDAYS = OfficeHours.parse("ma-vr 9:00-17:00")


def local(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment in November 2026 (Monday the 30th is day 0), Dutch time."""
    return datetime(2026, 11, 30, hour, minute, tzinfo=DUTCH_TIME) + timedelta(days=day)


@pytest.mark.parametrize(("moment", "open_"), [
    (local(0, 9), True), (local(0, 8, 59), False), (local(4, 16, 59), True), (local(4, 17), False),
    (local(5, 12), False), (local(6, 12), False),
])
def test_weekday_hours(moment, open_):
    assert WEEKDAYS.is_open(moment) is open_


def test_after_friday_closing_the_next_opening_is_monday_morning():
    assert WEEKDAYS.next_open(local(4, 17, 30)) == local(7, 9)
    assert describe(local(7, 9), "nl") == "maandag 9:00" and describe(local(7, 9), "en") == "Monday 9:00"


def test_utc_moments_are_judged_in_dutch_time():
    assert WEEKDAYS.is_open(datetime(2026, 11, 30, 8, 30, tzinfo=timezone.utc))  # 9:30 in Amsterdam


def test_several_parts_and_single_days():
    hours = OfficeHours.parse("ma-do 9:00-17:00; vr 9:00-12:00, za 10.00-12.00")
    assert hours.is_open(local(4, 11)) and not hours.is_open(local(4, 13)) and hours.is_open(local(5, 11))


@pytest.mark.parametrize("text", ["maandag tot vrijdag", "ma-vr 17:00-9:00", "xx 9:00-17:00", "ma-vr"])
def test_unreadable_office_hours_are_refused_with_an_example(text):
    with pytest.raises(OfficeHoursError, match="ma-vr 9:00-17:00|closing"):
        OfficeHours.parse(text)


# --- public holidays and closed days (real 2025-2027 dates) -----------------------------------

EVERY_DAY = OfficeHours.parse("ma-zo 9:00-17:00")


def at(year: int, month: int, day: int, hour: int = 12, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=DUTCH_TIME)


@pytest.mark.parametrize(("year", "sunday"), [
    (2024, date(2024, 3, 31)), (2025, date(2025, 4, 20)), (2026, date(2026, 4, 5)),
    (2027, date(2027, 3, 28)), (2028, date(2028, 4, 16)), (2038, date(2038, 4, 25)),  # the latest
    (2285, date(2285, 3, 22)),  # the earliest possible
])
def test_easter_is_computed_for_any_year(year, sunday):
    assert easter(year) == sunday


@pytest.mark.parametrize("day", [
    date(2027, 1, 1),                                         # Nieuwjaarsdag
    date(2027, 3, 28), date(2027, 3, 29),                     # Eerste en Tweede Paasdag
    date(2027, 4, 27),                                        # Koningsdag (a Tuesday)
    date(2025, 4, 26),                                        # Koningsdag when the 27th is a Sunday
    date(2027, 5, 6),                                         # Hemelvaartsdag
    date(2027, 5, 16), date(2027, 5, 17),                     # Eerste en Tweede Pinksterdag
    date(2026, 12, 25), date(2026, 12, 26),                   # Eerste en Tweede Kerstdag
    date(2026, 4, 6), date(2026, 5, 14), date(2026, 5, 25),   # 2026: Paasmaandag, Hemelvaart, Pinkstermaandag
])
def test_offices_are_closed_on_public_holidays(day):
    assert not EVERY_DAY.is_open(at(day.year, day.month, day.day))
    assert day in public_holidays(day.year)


@pytest.mark.parametrize("day", [
    date(2027, 3, 26),   # Goede Vrijdag: not a general day off
    date(2027, 5, 5),    # Bevrijdingsdag: only every five years, so open
    date(2026, 12, 24), date(2026, 12, 31),  # Christmas Eve, New Year's Eve: ordinary days
    date(2025, 4, 27),   # the Sunday Koningsdag moved away from
    date(2027, 4, 26),
])
def test_offices_are_open_on_days_that_are_no_general_day_off(day):
    assert EVERY_DAY.is_open(at(day.year, day.month, day.day))


def test_on_christmas_eve_evening_the_next_opening_is_monday_after_christmas():
    # Thursday 24 December 2026, 20:00; Friday 25 and Saturday 26 are Christmas.
    opens = WEEKDAYS.next_open(at(2026, 12, 24, 20))
    assert opens == at(2026, 12, 28, 9)
    assert describe(opens, "nl") == "maandag 9:00" and describe(opens, "en") == "Monday 9:00"


@pytest.mark.parametrize(("after", "opens"), [
    (at(2027, 3, 26, 17, 30), at(2027, 3, 30, 9)),   # Good Friday evening: after Easter Monday
    (at(2027, 4, 26, 17, 30), at(2027, 4, 28, 9)),   # the eve of Koningsdag (Tuesday)
    (at(2027, 5, 5, 17, 30), at(2027, 5, 7, 9)),     # the eve of Hemelvaartsdag (Thursday)
    (at(2027, 5, 14, 17, 30), at(2027, 5, 18, 9)),   # Friday before Pinksteren
    (at(2026, 12, 31, 17, 30), at(2027, 1, 4, 9)),   # New Year's Eve, a Thursday
])
def test_the_next_opening_skips_public_holidays(after, opens):
    assert WEEKDAYS.next_open(after) == opens


def test_a_region_closed_between_the_holidays_opens_in_the_new_year():
    hours = OfficeHours.parse("ma-vr 9:00-17:00", ["2026-12-24", "2026-12-28/2026-12-31"])
    assert hours.is_open(at(2026, 12, 23, 10)) and not hours.is_open(at(2026, 12, 24, 10))
    assert not hours.is_open(at(2026, 12, 29, 10)) and not hours.is_open(at(2026, 12, 31, 16))
    assert hours.next_open(at(2026, 12, 23, 17, 30)) == at(2027, 1, 4, 9)  # 12 days on
    assert WEEKDAYS.next_open(at(2026, 12, 23, 17, 30)) == at(2026, 12, 24, 9)  # other regions


def test_an_opening_a_week_or_more_away_is_told_with_its_date():
    now = at(2026, 12, 23, 17, 30)
    # "maandag 9:00" would mean the 28th, when the office is still closed.
    assert describe(at(2027, 1, 4, 9), "nl", now) == "maandag 4 januari 9:00"
    assert describe(at(2027, 1, 4, 9), "en", now) == "Monday 4 January 9:00"
    assert describe(at(2026, 12, 28, 9), "nl", now) == "maandag 9:00"  # within the week


def test_a_long_closure_is_searched_past():
    hours = OfficeHours.parse("ma-vr 9:00-17:00", ["2027-07-01/2027-08-31", date(2027, 9, 1)])
    assert hours.next_open(at(2027, 6, 30, 18)) == at(2027, 9, 2, 9)


@pytest.mark.parametrize(("closed", "message"), [
    (["24-12-2026"], "write a date like '2026-12-24'"),
    (["2026-13-01"], "write a date like '2026-12-24'"),
    (["kerst"], "or a period like '2026-12-28/2026-12-31'"),
    (["2026-12-24/"], "write a date like"),
    (["2026-12-24/2026-12-25/2026-12-26"], "write a date like"),
    ([20261224], "write a date like"),
    (["2026-12-31/2026-12-28"], "the period ends before it starts"),
    (["2026-01-01/2027-06-30"], "longer than a year"),
    ("2026-12-24", "a list of dates and periods"),
])
def test_unreadable_closed_days_are_refused_with_an_example(closed, message):
    with pytest.raises(OfficeHoursError, match=re.escape(message)):
        OfficeHours.parse("ma-vr 9:00-17:00", closed)


# Apeldoorn's hours in `regions_file`: every day, all day but the last minute (and public holidays).
APELDOORN_HOURS = OfficeHours.parse("ma-zo 0:00-23:59")


@pytest.fixture
def regions_file(tmp_path):
    path = tmp_path / "regions.yml"
    path.write_text(
        "- {id: apeldoorn, name: Apeldoorn, organisation: Rebelz, gemeenten: [GM0200],\n"
        "   office_hours: 'ma-zo 0:00-23:59', languages: [nl], confirmed: false}\n"
        "- {id: national, name: Landelijk, organisation: team, gemeenten: [],\n"
        "   office_hours: 'ma-vr 9:00-17:00', languages: [nl], confirmed: false}\n")
    return path


@pytest.fixture
async def client(aiohttp_client, settings, regions_file, static_data):
    settings = Settings(**{**settings.model_dump(), "regions_file": regions_file})
    client = await aiohttp_client(create_app(settings, static=static_data.for_settings(settings)))
    client.settings = settings
    return client


async def test_users_are_told_honestly_whether_someone_is_there_now(client):
    asked = datetime.now(timezone.utc)
    made = await make_handover(client, client.settings, "open-1", municipality="Apeldoorn")
    # Open every day, except on a public holiday and in the minute before midnight.
    assert made["office_open"] is APELDOORN_HOURS.is_open(asked)
    assert made["response_minutes"] == 15
    closed = await make_handover(client, client.settings, "closed-1", municipality="-")
    assert closed["next_open"]["nl"].split()[0] in ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag")


async def test_an_unclaimed_handover_escalates_once_during_office_hours_only(client, log_in):
    made = await make_handover(client, client.settings, "late-1", municipality="Apeldoorn")
    later = datetime.now(timezone.utc) + timedelta(minutes=client.settings.handover_escalate_minutes + 1)
    if not APELDOORN_HOURS.is_open(later):
        pytest.skip("a Dutch public holiday or the minute before midnight: the office is closed, nothing escalates")
    escalation = client.server.app[ESCALATION]
    assert await escalation.escalate_due(now=later - timedelta(minutes=5)) == []
    assert [h.reference for h in await escalation.escalate_due(now=later)] == [made["reference"]]
    assert await escalation.escalate_due(now=later) == []  # once
    coordinator = await log_in(client, await add_user(client, "co@x.nl", "coordinator", ["apeldoorn"]))
    listed = await (await coordinator.get("/api/v1/staff/handovers")).json()
    assert listed[0]["escalated"] is True


async def test_an_editor_sets_closed_days_and_after_approval_they_count(client, log_in):
    editor = await log_in(client, await add_user(client, "ed@x.nl", "editor"))
    second = await log_in(client, await add_user(client, "ed2@x.nl", "editor"))
    fields = {"name": "Apeldoorn", "organisation": "Rebelz", "gemeenten": "Apeldoorn",
              "office_hours": "ma-vr 9:00-17:00", "languages": "nl",
              "closed": "2026-12-24\r\n\r\n 2026-12-28/2026-12-31 \r\n"}
    refused = await editor.form("/staff/editor/regions/apeldoorn", {**fields, "closed": "24 december"})
    assert refused.status == 400
    assert "Gesloten '24 december': schrijf een datum als '2026-12-24'" in (await refused.text()).replace("&#39;", "'")
    assert (await editor.form("/staff/editor/regions/apeldoorn", fields)).status == 200
    assert client.server.app[REGIONS].regions["apeldoorn"].closed == ()  # one editor alone changes nothing
    page = await (await second.get("/staff/editor/regions/apeldoorn")).text()
    assert "dicht: 2026-12-24, 2026-12-28/2026-12-31" in page  # the second editor sees what changes
    proposal = re.search(r'action="/staff/editor/approvals/(\d+)"', page)
    assert (await second.form(f"/staff/editor/approvals/{proposal.group(1)}", {})).status == 200
    region = client.server.app[REGIONS].regions["apeldoorn"]
    assert region.closed == ("2026-12-24", "2026-12-28/2026-12-31")
    assert region.hours.next_open(at(2026, 12, 23, 17, 30)) == at(2027, 1, 4, 9)
    page = await (await editor.get("/staff/editor/regions/apeldoorn")).text()
    assert "2026-12-24\n2026-12-28/2026-12-31\n</textarea>" in page  # ready for the next change


async def test_two_replicas_escalating_at_once_escalate_a_handover_once(client):
    """Each replica runs the escalation job; only one may escalate a handover and tell the
    coordinators and the staff group."""
    await make_handover(client, client.settings, "late-2", municipality="Apeldoorn")
    later = datetime.now(timezone.utc) + timedelta(minutes=client.settings.handover_escalate_minutes + 1)
    if not APELDOORN_HOURS.is_open(later):
        pytest.skip("a Dutch public holiday or the minute before midnight: the office is closed, nothing escalates")
    app = client.server.app
    escalated = []

    async def listener(event):
        if event.get("action") == "escalated":
            escalated.append(event["handover_id"])
    app[HUB].subscribe(listener)
    other_replica = Escalation(
        handovers=app[HANDOVERS], relay=app[RELAY], regions=app[REGIONS], group=app[STAFF_GROUP],
        notices=UserNotices(app[CONTENT_STORE], app[CONVERSATIONS].language_of),
        after=timedelta(minutes=client.settings.handover_escalate_minutes))
    first, second = await asyncio.gather(app[ESCALATION].escalate_due(now=later),
                                         other_replica.escalate_due(now=later))
    assert len(first) + len(second) == 1
    assert len(escalated) == 1
