"""Which region serves the gemeente a user types: typos, common names, and the national queue."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.regions.directory import RegionDirectory

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
# review 2026-12, #27: Amersfoort, Hilversum, Delft and Hengelo went to the national queue).
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
