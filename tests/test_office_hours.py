"""Office hours as operators write them, and what users are told and when handovers escalate."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from bot.app import create_app
from bot.handover.escalation import escalate_now
from bot.handover.office_hours import DUTCH_TIME, OfficeHours, OfficeHoursError, describe
from bot.settings import Settings
from staff_client import add_user, close_staff_sessions, log_in, make_handover  # noqa: F401

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
async def client(aiohttp_client, settings, regions_file):
    settings = Settings(**{**settings.model_dump(), "regions_file": regions_file})
    client = await aiohttp_client(create_app(settings))
    client.settings = settings
    return client


async def test_users_are_told_honestly_whether_someone_is_there_now(client):
    made = await make_handover(client, client.settings, "open-1", municipality="Apeldoorn")
    assert made["office_open"] is True and made["response_minutes"] == 15
    closed = await make_handover(client, client.settings, "closed-1", municipality="-")
    assert closed["next_open"]["nl"].split()[0] in ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag")


async def test_an_unclaimed_handover_escalates_once_during_office_hours_only(client):
    made = await make_handover(client, client.settings, "late-1", municipality="Apeldoorn")
    later = datetime.now(timezone.utc) + timedelta(minutes=client.settings.handover_escalate_minutes + 1)
    assert await escalate_now(client.server.app, now=later - timedelta(minutes=5)) == []
    assert [h.reference for h in await escalate_now(client.server.app, now=later)] == [made["reference"]]
    assert await escalate_now(client.server.app, now=later) == []  # once
    coordinator = await log_in(client, await add_user(client, "co@x.nl", "coordinator", ["apeldoorn"]))
    listed = await (await coordinator.get("/api/v1/staff/handovers")).json()
    assert listed[0]["escalated"] is True
