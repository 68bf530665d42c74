"""The inputs every start of the bot service reads from files and never changes: the answer files,
crisis phrases, gemeenten and regions, yearly rules, NLU examples, safety contacts, the redactor
and the language guesser. Read once per process (once per test session) and handed to create_app.
Never touches the database; what an app may change, it gets as its own copy.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping

from bot import yaml_files
from bot.checks.rules import Rule, read_rules
from bot.content.files import parse_entries, read_content_dir
from bot.content.safety import SafetyContacts
from bot.content.store import ContentStore
from bot.gateway.crisis import CrisisPhrases
from bot.gateway.language import LanguageGuesser
from bot.nlu.training_data import TrainingData
from bot.privacy.redactor import Redactor
from bot.regions.directory import Gemeente, Region, RegionDirectory, parse_regions, read_gemeenten
from bot.settings import Settings

# Like the settings' paths, relative to the working directory: the project root.


@dataclass(frozen=True)
class Sources:
    """The files the static data was read from."""

    content_dir: Path
    regions_file: Path
    gemeenten_file: Path
    crisis_phrases_file: Path
    check_rules_file: Path
    safety_contacts_file: Path
    nlu_dir: Path

    @classmethod
    def of(cls, settings: Settings) -> Sources:
        return cls(settings.content_dir, settings.regions_file, settings.gemeenten_file,
                   settings.crisis_phrases_file, settings.check_rules_file, settings.safety_contacts_file,
                   settings.nlu_dir)


@dataclass(frozen=True)
class StaticData:
    sources: Sources
    # The answer files as JSON text: every app imports its own copy into its database.
    _content_json: str
    crisis_phrases: CrisisPhrases
    gemeenten: tuple[Gemeente, ...]
    gemeente_aliases: Mapping[str, str]
    regions: tuple[Region, ...]
    _rules: Mapping[str, Rule]
    training_data: TrainingData
    safety_contacts: SafetyContacts
    redactor: Redactor
    language_guesser: LanguageGuesser

    @classmethod
    def read(cls, settings: Settings) -> StaticData:
        """Reads and checks every file (raises ContentError, RegionError or RuleError naming it);
        builds the redactor and the language guesser (seconds: the reason this is done once)."""
        return cls._read(Sources.of(settings), None)

    def for_settings(self, settings: Settings) -> StaticData:
        """This data when the settings name the same files; else the files they name read anew,
        reusing what does not depend on them (tests that change one file)."""
        sources = Sources.of(settings)
        return self if sources == self.sources else self._read(sources, self)

    @classmethod
    def _read(cls, sources: Sources, like: StaticData | None) -> StaticData:
        entries = read_content_dir(sources.content_dir)
        ContentStore().replace(parse_entries(entries))
        gemeenten, aliases = read_gemeenten(sources.gemeenten_file)
        raw_regions = yaml_files.load(sources.regions_file.read_text(encoding="utf-8"))
        regions = parse_regions(raw_regions, {g.code: g for g in gemeenten}, str(sources.regions_file))
        same_gemeenten = like is not None and like.sources.gemeenten_file == sources.gemeenten_file
        same_nlu = like is not None and like.sources.nlu_dir == sources.nlu_dir
        return cls(
            sources=sources,
            # The database keeps the entries as JSON too: what cannot be stored fails here.
            _content_json=json.dumps(entries),
            crisis_phrases=CrisisPhrases.from_file(sources.crisis_phrases_file),
            gemeenten=tuple(gemeenten),
            gemeente_aliases=MappingProxyType(dict(aliases)),
            regions=tuple(regions),
            _rules=MappingProxyType(read_rules(sources.check_rules_file)),
            training_data=like.training_data if like and same_nlu else TrainingData.read(sources.nlu_dir),
            safety_contacts=SafetyContacts.from_file(sources.safety_contacts_file),
            redactor=like.redactor if like else Redactor(),
            language_guesser=(like.language_guesser if like and same_gemeenten
                              else LanguageGuesser([g.name for g in gemeenten] + list(aliases))),
        )

    def content_entries(self) -> dict[str, tuple[str, dict[str, Any]]]:
        """{key: (file name, raw entry)} of every answer, a new copy on each call."""
        return {key: (file_name, raw) for key, (file_name, raw) in json.loads(self._content_json).items()}

    def region_directory(self) -> RegionDirectory:
        """A new directory: an app's editors replace its regions."""
        return RegionDirectory(list(self.gemeenten), dict(self.gemeente_aliases), list(self.regions))

    def check_rules(self) -> dict[str, Rule]:
        """A new dict of the (frozen) rules: an app's rule editing replaces its contents."""
        return dict(self._rules)

