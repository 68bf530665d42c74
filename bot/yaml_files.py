"""The YAML files people keep in git (data/content/*.yml, data/regions.yml): read as YAML 1.2, and
written back so that what did not change keeps every byte, comment and line break.
"""
from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError
from ruamel.yaml.scalarstring import LiteralScalarString

__all__ = ["YAMLError", "load", "load_round_trip", "dump_round_trip", "dumps", "merge", "styled"]


def _round_trip_yaml(sequence: int, offset: int) -> YAML:
    round_trip = YAML()
    round_trip.preserve_quotes = True
    round_trip.width = 4096
    round_trip.indent(mapping=2, sequence=sequence, offset=offset)
    return round_trip


# The layouts of the project's files: a mapping of answers with lists indented by two
# (data/content/), and a list of regions starting at the margin (data/regions.yml).
_ROUND_TRIP = _round_trip_yaml(sequence=4, offset=2)
_ROUND_TRIP_LIST = _round_trip_yaml(sequence=2, offset=0)
# YAML 1.2 like the writer: "No" is a word, not false.
_READER = YAML(typ="safe", pure=True)


def load(text: str) -> Any:
    """Plain dicts, lists and scalars."""
    return _READER.load(text)


def load_round_trip(path: Path) -> Any:
    """The document with its comments and layout, or None when the file does not exist."""
    return _ROUND_TRIP.load(path.read_text(encoding="utf-8")) if path.exists() else None


def dump_round_trip(path: Path, document: Any) -> None:
    writer = _ROUND_TRIP_LIST if isinstance(document, CommentedSeq) else _ROUND_TRIP
    with path.open("w", encoding="utf-8") as handle:
        writer.dump(document, handle)


def dumps(data: Any) -> str:
    """Plain data as the files write it (for showing differences)."""
    out = io.StringIO()
    _ROUND_TRIP.dump(styled(data), out)
    return out.getvalue()


def merge(old: Any, new: Any) -> Any:
    """`new` in the shape of `old`: equal parts are kept as they are (with their comments)."""
    if old == new:
        return old
    if isinstance(old, CommentedMap) and isinstance(new, dict):
        for key in [k for k in old if k not in new]:
            del old[key]
        for key, value in new.items():
            old[key] = merge(old[key], value) if key in old else styled(value)
        return old
    if isinstance(old, CommentedSeq) and isinstance(new, list) and len(old) == len(new):
        for i, value in enumerate(new):
            old[i] = merge(old[i], value)
        return old
    return styled(new)


def styled(value: Any) -> Any:
    """New values in the house style: several lines as a `|-` block."""
    if isinstance(value, str) and "\n" in value:
        return LiteralScalarString(value)
    if isinstance(value, dict):
        return CommentedMap((k, styled(v)) for k, v in value.items())
    if isinstance(value, list):
        return CommentedSeq(styled(v) for v in value)
    return value
