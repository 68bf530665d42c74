"""Gemeenten and exit-support regions: which region serves the gemeente a user names.

Matching is tolerant (case, "gemeente ", common names from the aliases, typos via rapidfuzz) but
only against the whole answer, never a substring of free text (gemeenten.README.md).
"""
from __future__ import annotations

import csv
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import yaml
from rapidfuzz import fuzz, process

from bot.handover.office_hours import OfficeHours, OfficeHoursError

NATIONAL = "national"
# Below this similarity a typo is too far from any gemeente to guess; 85 accepts "Amsterdm",
# "Den Bosh", "Apeldorn" and refuses ordinary words.
MIN_SIMILARITY = 85
# Two different gemeenten this close are a guess, not a match ("Bergen": NH. or L.?).
AMBIGUITY_MARGIN = 10


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

    @property
    def hours(self) -> OfficeHours:
        return OfficeHours.parse(self.office_hours)


def _key(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.replace("’", "'")).encode("ascii", "ignore").decode()
    text = " ".join(text.lower().replace("-", " ").split())
    return text.removeprefix("gemeente ").strip()


class RegionDirectory:
    def __init__(self, gemeenten: list[Gemeente], aliases: dict[str, str], regions: list[Region]) -> None:
        self.gemeenten = {g.code: g for g in gemeenten}
        self.regions = {r.id: r for r in regions}
        if NATIONAL not in self.regions:
            raise ValueError("data/regions.yml needs a region with id national")
        self._names = {_key(g.name): g.code for g in gemeenten} | aliases
        self._region_of = {code: r.id for r in regions for code in r.gemeenten}

    @classmethod
    def from_files(cls, gemeenten_file: Path, regions_file: Path) -> "RegionDirectory":
        gemeenten, aliases = [], {}
        with gemeenten_file.open(encoding="utf-8") as handle:
            for row in csv.DictReader(handle, delimiter="\t"):
                gemeenten.append(Gemeente(row["code"], row["name"], row["province"]))
                for alias in filter(None, (row.get("aliases") or "").split("|")):
                    aliases[_key(alias)] = row["code"]
        regions = [
            Region(id=r["id"], name=r["name"], organisation=r["organisation"],
                   gemeenten=tuple(r.get("gemeenten") or ()), office_hours=r.get("office_hours", ""),
                   languages=tuple(r.get("languages") or ()), confirmed=bool(r.get("confirmed")))
            for r in yaml.safe_load(regions_file.read_text(encoding="utf-8"))
        ]
        for region in regions:  # refuse unreadable office hours at start, not at the first handover
            try:
                OfficeHours.parse(region.office_hours)
            except OfficeHoursError as error:
                raise OfficeHoursError(f"{regions_file}, region {region.id}: {error}") from None
        return cls(gemeenten, aliases, regions)

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

    def region_for(self, gemeente: Gemeente | None) -> Region:
        region_id = self._region_of.get(gemeente.code, NATIONAL) if gemeente else NATIONAL
        return self.regions[region_id]
