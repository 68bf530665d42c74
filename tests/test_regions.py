"""Which region serves the gemeente a user types: typos, common names, and the national queue;
and a region's own closed days as data/regions.yml writes them."""
from __future__ import annotations

import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import pytest
import yaml
from cryptography.fernet import Fernet

from bot import yaml_files
from bot.regions.office_hours import DUTCH_TIME
from bot.regions.directory import RegionDirectory, RegionError, parse_regions

DATA = Path(__file__).resolve().parent.parent / "data"
DIRECTORY = RegionDirectory.from_files(DATA / "gemeenten.tsv", DATA / "regions.yml")


@pytest.mark.parametrize("typed, gemeente, region", [
    ("Apeldoorn", "Apeldoorn", "apeldoorn"),
    ("apeldorn", "Apeldoorn", "apeldoorn"),
    ("gemeente Zutphen", "Zutphen", "apeldoorn"),
    ("Den Haag", "'s-Gravenhage", "den-haag"),
    ("Amsterdm", "Amsterdam", "amsterdam"),
    ("Leeuwarden", "Leeuwarden", "fryslan"),
    ("Den Bosch", "'s-Hertogenbosch", "national"),
    ("  UTRECHT ", "Utrecht", "utrecht"),
])
def test_typed_gemeente_maps_to_its_region(typed, gemeente, region):
    found = DIRECTORY.find_gemeente(typed)
    assert found is not None and found.name == gemeente
    assert DIRECTORY.region_for(found).id == region


@pytest.mark.parametrize("typed", ["Bergen", "weet ik niet", "", "xyzzy", "ik woon bij mijn zus"])
def test_unknown_or_ambiguous_answers_find_no_gemeente(typed):
    assert DIRECTORY.find_gemeente(typed) is None


def test_no_gemeente_goes_to_the_national_queue():
    assert DIRECTORY.region_for(None).id == "national"


def test_every_gemeente_in_regions_exists_and_belongs_to_one_region():
    seen = {}
    for region in DIRECTORY.regions.values():
        for code in region.gemeenten:
            assert code in DIRECTORY.gemeenten, code
            assert code not in seen, f"{code} in {seen.get(code)} and {region.id}"
            seen[code] = region.id


@pytest.mark.parametrize("sentence, region", [
    ("waar is de dichtstbijzijnde hulp in rotterdam", "rotterdam"),
    ("is er hulp in Den Haag?", "den-haag"),
    ("help near amsterdam please", "amsterdam"),
    ("welke organisatie helpt in Apeldoorn", "apeldoorn"),
])
def test_a_gemeente_named_in_a_sentence_is_found(sentence, region):
    assert DIRECTORY.region_for(DIRECTORY.find_gemeente_in(sentence)).id == region


@pytest.mark.parametrize("sentence", [
    "the best help in town",  # "best" is a gemeente, but not after a place word
    "hulp in de buurt",
    "ik wil stoppen met dit werk",
    "",
])
def test_ordinary_words_in_a_sentence_are_no_gemeente(sentence):
    assert DIRECTORY.find_gemeente_in(sentence) is None


def region_names_in_the_find_answer() -> str:
    """The areas the 'where is help near me' answer names for each organisation, in Dutch."""
    content = yaml.safe_load((DATA / "content" / "exit_program.yml").read_text(encoding="utf-8"))
    return content["utter_ask_exit_program/find"]["nl"]["text"]


# The places in an area the answer names, and the region the routing must send them to (content
# before December 2026: Amersfoort, Hilversum, Delft and Hengelo went to the national queue).
NAMED_AREAS = [
    ("Eemland", ["Amersfoort", "Baarn", "Soest", "Leusden"], "utrecht"),
    ("Gooi- en Vechtstreek", ["Hilversum", "Huizen", "Gooise Meren", "Wijdemeren"], "utrecht"),
    ("Utrecht", ["Utrecht", "Zeist", "Nieuwegein", "Houten", "Woerden"], "utrecht"),
    ("Den Haag", ["Den Haag", "Delft", "Zoetermeer", "Rijswijk", "Westland"], "den-haag"),
    ("Twente", ["Enschede", "Hengelo", "Almelo", "Oldenzaal"], "twente"),
]


@pytest.mark.parametrize(("area", "places", "region"), NAMED_AREAS)
def test_every_area_the_answer_names_is_routed_to_its_organisation(area, places, region):
    assert area in region_names_in_the_find_answer()
    for place in places:
        gemeente = DIRECTORY.find_gemeente(place)
        assert gemeente is not None, place
        assert DIRECTORY.region_for(gemeente).id == region, place


# --- a region's own closed days (data/regions.yml `closed`) ------------------------------------

def regions_with(closed) -> list[dict]:
    raw = yaml_files.load((DATA / "regions.yml").read_text(encoding="utf-8"))
    national = next(item for item in raw if item["id"] == "national")
    national["closed"] = closed
    return raw


def test_closed_days_in_the_file_close_that_region_only():
    # `- 2026-12-24` unquoted: YAML reads a date; quoted it is text. Both are closed days.
    regions = {r.id: r for r in parse_regions(regions_with([date(2026, 12, 24), "2026-12-28/2026-12-31"]),
                                              DIRECTORY.gemeenten)}
    assert regions["national"].closed == ("2026-12-24", "2026-12-28/2026-12-31")
    evening = datetime(2026, 12, 23, 17, 30, tzinfo=DUTCH_TIME)
    assert regions["national"].hours.next_open(evening) == datetime(2027, 1, 4, 9, tzinfo=DUTCH_TIME)
    assert regions["utrecht"].hours.next_open(evening) == datetime(2026, 12, 24, 9, tzinfo=DUTCH_TIME)


@pytest.mark.parametrize(("closed", "message"), [
    (["2026-12-31/2026-12-28"], "region national: closed '2026-12-31/2026-12-28': the period ends before it starts"),
    (["kerstvakantie"], "region national: closed 'kerstvakantie': write a date like '2026-12-24'"),
    ("2026-12-24", "region national: closed: a list of dates and periods"),
])
def test_unreadable_closed_days_are_refused_naming_the_region(closed, message):
    with pytest.raises(RegionError) as refused:
        parse_regions(regions_with(closed), DIRECTORY.gemeenten)
    assert message in str(refused.value)


def test_closed_days_survive_import_and_export(tmp_path, new_database):
    text = (DATA / "regions.yml").read_text(encoding="utf-8")
    quoted = "  closed: ['2026-12-24', '2026-12-28/2026-12-31']\n"
    text = text.replace("- id: national\n", "- id: national\n" + quoted, 1)
    text = text.replace("- id: twente\n", "- id: twente\n  closed:\n  - 2026-12-24\n", 1)  # unquoted
    copy = tmp_path / "regions.yml"
    copy.write_text(text, encoding="utf-8")
    env = {"DATABASE_URL": new_database("cli.db"), "RASA_TOKEN": "t" * 32, "SECRET_KEY": "s" * 32,
           "ENCRYPTION_KEY": Fernet.generate_key().decode(), "PATH": "/usr/bin:/bin",
           "REGIONS_FILE": str(copy), "GEMEENTEN_FILE": str(DATA / "gemeenten.tsv")}
    for direction in ("import", "export"):
        result = subprocess.run([sys.executable, "-m", "bot.cli", "regions", direction, "--file", str(copy)],
                                cwd=tmp_path, env=env, capture_output=True, text=True)
        assert result.returncode == 0, result.stderr[-2000:]
    exported = copy.read_text(encoding="utf-8")
    assert quoted in exported
    regions = {r.id: r for r in parse_regions(yaml_files.load(exported), DIRECTORY.gemeenten)}
    assert regions["national"].closed == ("2026-12-24", "2026-12-28/2026-12-31")
    assert regions["twente"].closed == ("2026-12-24",)
