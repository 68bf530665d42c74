"""Reads and writes the answer files in data/content/ (YAML, one file per topic).

Import validates everything before anything is stored; export writes a stable, diff-friendly order.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import LiteralScalarString

from bot.content.schema import Answer, ContentError, check_targets, parse_answer


def read_content_dir(directory: Path) -> dict[str, tuple[str, dict[str, Any]]]:
    """Returns {key: (file name, raw entry)} for every answer; raises ContentError naming the file."""
    entries: dict[str, tuple[str, dict[str, Any]]] = {}
    for path in sorted(directory.glob("*.yml")):
        try:
            data = _READER.load(path.read_text(encoding="utf-8")) or {}
        except YAMLError as error:
            raise ContentError(f"{path.name}: not valid YAML ({error})") from error
        if not isinstance(data, dict):
            raise ContentError(f"{path.name}: expected a mapping of response names")
        for key, raw in data.items():
            if key in entries:
                raise ContentError(f"{path.name}: {key} is also defined in {entries[key][0]}")
            entries[key] = (path.name, raw)
    return entries


def parse_entries(entries: dict[str, tuple[str, dict[str, Any]]]) -> dict[str, Answer]:
    answers = {}
    for key, (file_name, raw) in entries.items():
        try:
            answers[key] = parse_answer(key, raw)
        except ContentError as error:
            raise ContentError(f"{file_name}: {error}") from error
    check_targets(answers, {key: file_name for key, (file_name, _) in entries.items()})
    return answers


def write_content_dir(directory: Path, entries: dict[str, tuple[str, dict[str, Any]]]) -> None:
    """Writes the answers back into their files. An existing file keeps its comments, layout and
    order: only what changed is rewritten, so import -> export changes no byte and an edit shows
    as a small diff. New answers go at the end of their file."""
    by_file: dict[str, dict[str, Any]] = {}
    for key, (file_name, raw) in entries.items():
        by_file.setdefault(file_name, {})[key] = raw
    directory.mkdir(parents=True, exist_ok=True)
    for file_name, answers in sorted(by_file.items()):
        path = directory / file_name
        document = _YAML.load(path.read_text(encoding="utf-8")) if path.exists() else None
        if not isinstance(document, CommentedMap):
            document = CommentedMap()
        _merge(document, answers)
        with path.open("w", encoding="utf-8") as handle:
            _YAML.dump(document, handle)


def _round_trip_yaml() -> YAML:
    # The layout of the files in data/content/: two-space mappings, lists indented by two.
    round_trip = YAML()
    round_trip.preserve_quotes = True
    round_trip.width = 4096
    round_trip.indent(mapping=2, sequence=4, offset=2)
    return round_trip


_YAML = _round_trip_yaml()
# YAML 1.2, like the writer: "No" is a word, not false.
_READER = YAML(typ="safe", pure=True)


def _merge(old: Any, new: Any) -> Any:
    """`new` in the shape of `old`: equal parts are kept as they are (with their comments)."""
    if old == new:
        return old
    if isinstance(old, CommentedMap) and isinstance(new, dict):
        for key in [k for k in old if k not in new]:
            del old[key]
        for key, value in new.items():
            old[key] = _merge(old[key], value) if key in old else _styled(value)
        return old
    if isinstance(old, CommentedSeq) and isinstance(new, list) and len(old) == len(new):
        for i, value in enumerate(new):
            old[i] = _merge(old[i], value)
        return old
    return _styled(new)


def _styled(value: Any) -> Any:
    """New values in the house style: several lines as a `|-` block."""
    if isinstance(value, str) and "\n" in value:
        return LiteralScalarString(value)
    if isinstance(value, dict):
        return CommentedMap((k, _styled(v)) for k, v in value.items())
    if isinstance(value, list):
        return CommentedSeq(_styled(v) for v in value)
    return value
