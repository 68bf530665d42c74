"""Gemeenten and exit-support regions: which region serves the gemeente a user names.

Matching is tolerant (case, "gemeente ", common names from the aliases, typos via rapidfuzz) but
only against the whole answer; in a sentence ("hulp in Rotterdam") only the exact name right after
a word such as "in" or "near" counts, so "best" or "ede" in ordinary text is never a gemeente.
"""
from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz, process

from bot import yaml_files
from bot.regions.office_hours import OfficeHours, OfficeHoursError, closure_texts

NATIONAL = "national"
# Below this similarity a typo is too far from any gemeente to guess; 85 accepts "Amsterdm",
# "Den Bosh", "Apeldorn" and refuses ordinary words.
MIN_SIMILARITY = 85
# Two different gemeenten this close are a guess, not a match ("Bergen": NH. or L.?).
AMBIGUITY_MARGIN = 10
# Words after which a sentence names a place ("hulp in Rotterdam", "help near Utrecht").
PLACE_WORDS = frozenset({"in", "bij", "near", "rond", "rondom", "around", "omgeving", "regio",
                         "region", "uit", "from", "te", "nabij", "buurt"})
# The longest gemeente name in words ("Súdwest-Fryslân" is two after normalising, a few are four).
MAX_NAME_WORDS = 4


@dataclass(frozen=True)
class Gemeente:
    code: str
    name: str
    province: str


@dataclass(frozen=True)
class Region:
    id: str
    name: str
    organisation: str
    gemeenten: tuple[str, ...]
    office_hours: str
    languages: tuple[str, ...]
    confirmed: bool
    # Public contact details of the organisation (website, phone of the office), for staff and
    # for answers; never a worker's own.
    contact: str = ""
    # Days the office is closed besides public holidays, as written: "2026-12-24",
    # "2026-12-28/2026-12-31".
    closed: tuple[str, ...] = ()

    @property
    def hours(self) -> OfficeHours:
        return OfficeHours.parse(self.office_hours, self.closed)


def _key(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.replace("’", "'")).encode("ascii", "ignore").decode()
    text = " ".join(text.lower().replace("-", " ").split())
    return text.removeprefix("gemeente ").strip()


class RegionError(ValueError):
    """Regions that cannot be served; the message names the region and the problem."""


REGION_ID = re.compile(r"^[a-z0-9][a-z0-9-]{1,38}$")
LANGUAGE_CODE = re.compile(r"^[a-z]{2}$")


def parse_regions(raw: Any, gemeenten: dict[str, Gemeente], where: str = "data/regions.yml") -> list[Region]:
    """Checks regions as an operator or editor wrote them: ids, gemeente codes that exist and
    belong to one region only, office hours and closures that can be read, a national region."""
    if not isinstance(raw, list):
        raise RegionError(f"{where}: expected a list of regions")
    regions: list[Region] = []
    owner: dict[str, str] = {}
    for item in raw:
        if not isinstance(item, dict) or not REGION_ID.match(str(item.get("id", ""))):
            raise RegionError(f"{where}: every region needs an id of lower-case letters, digits and -")
        region_id = str(item["id"])
        name, organisation = str(item.get("name") or "").strip(), str(item.get("organisation") or "").strip()
        if not name or not organisation:
            raise RegionError(f"{where}, region {region_id}: a name and an organisation are required")
        codes = tuple(str(code) for code in item.get("gemeenten") or ())
        for code in codes:
            if code not in gemeenten:
                raise RegionError(f"{where}, region {region_id}: {code} is not a gemeente code")
            if code in owner:
                raise RegionError(f"{where}, region {region_id}: {gemeenten[code].name} is also in "
                                  f"region {owner[code]}")
            owner[code] = region_id
        try:
            OfficeHours.parse(str(item.get("office_hours", "")), item.get("closed"))
        except OfficeHoursError as error:
            raise RegionError(f"{where}, region {region_id}: {error}") from None
        languages = tuple(str(language) for language in item.get("languages") or ())
        if not all(LANGUAGE_CODE.match(language) for language in languages):
            raise RegionError(f"{where}, region {region_id}: languages are two-letter codes (nl, en, ...)")
        regions.append(Region(id=region_id, name=name, organisation=organisation, gemeenten=codes,
                              office_hours=str(item["office_hours"]), languages=languages,
                              confirmed=bool(item.get("confirmed")), contact=str(item.get("contact") or ""),
                              closed=closure_texts(item.get("closed"))))
    if len({r.id for r in regions}) != len(regions):
        raise RegionError(f"{where}: two regions have the same id")
    if NATIONAL not in {r.id for r in regions}:
        raise RegionError(f"{where}: a region with id national takes every other gemeente")
    return regions


def read_gemeenten(gemeenten_file: Path) -> tuple[list[Gemeente], dict[str, str]]:
    gemeenten, aliases = [], {}
    with gemeenten_file.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            gemeenten.append(Gemeente(row["code"], row["name"], row["province"]))
            for alias in filter(None, (row.get("aliases") or "").split("|")):
                aliases[_key(alias)] = row["code"]
    return gemeenten, aliases


class RegionDirectory:
    def __init__(self, gemeenten: list[Gemeente], aliases: dict[str, str], regions: list[Region]) -> None:
        self.gemeenten = {g.code: g for g in gemeenten}
        self._names = {_key(g.name): g.code for g in gemeenten} | aliases
        self.replace(regions)

    @classmethod
    def from_files(cls, gemeenten_file: Path, regions_file: Path) -> "RegionDirectory":
        gemeenten, aliases = read_gemeenten(gemeenten_file)
        raw = yaml_files.load(regions_file.read_text(encoding="utf-8"))
        return cls(gemeenten, aliases, parse_regions(raw, {g.code: g for g in gemeenten}, str(regions_file)))

    def replace(self, regions: list[Region]) -> None:
        """Serves other regions from now on (an editor saved one); readers see the old set or the
        new one, never a mix."""
        if NATIONAL not in {r.id for r in regions}:
            raise RegionError("a region with id national is required")
        self.regions, self._region_of = ({r.id: r for r in regions},
                                         {code: r.id for r in regions for code in r.gemeenten})

    def find_gemeente(self, answer: str) -> Gemeente | None:
        key = _key(answer)
        if not key:
            return None
        if key in self._names:
            return self.gemeenten[self._names[key]]
        matches = process.extract(key, self._names.keys(), scorer=fuzz.ratio, limit=5)
        codes = [(self._names[name], score) for name, score, _ in matches]
        best_code, best_score = codes[0]
        if best_score < MIN_SIMILARITY:
            return None
        if any(code != best_code and best_score - score < AMBIGUITY_MARGIN for code, score in codes):
            return None
        return self.gemeenten[best_code]

    def find_gemeente_in(self, sentence: str) -> Gemeente | None:
        """The gemeente a sentence names after a place word, by its exact (normalised) name."""
        words = _key(re.sub(r"[^\w\s'-]", " ", sentence)).split()
        for start, word in enumerate(words[:-1]):
            if word not in PLACE_WORDS:
                continue
            for length in range(min(MAX_NAME_WORDS, len(words) - start - 1), 0, -1):
                name = " ".join(words[start + 1:start + 1 + length])
                if name in self._names:
                    return self.gemeenten[self._names[name]]
        return None

    def region_for(self, gemeente: Gemeente | None) -> Region:
        region_id = self._region_of.get(gemeente.code, NATIONAL) if gemeente else NATIONAL
        return self.regions[region_id]
