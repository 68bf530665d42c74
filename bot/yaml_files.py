"""The YAML files people keep in git (data/content/*.yml, data/regions.yml): read as YAML 1.2, and
written back so that what did not change keeps every byte, comment and line break. Reading uses
PyYAML's C parser (ten times faster); only the round trip uses ruamel.
"""
from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import yaml
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError
from ruamel.yaml.scalarstring import LiteralScalarString

__all__ = ["YAMLError", "ReadError", "load", "load_round_trip", "dump_round_trip", "dumps", "merge", "styled"]


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
# What `load` raises for text that is not YAML (the writer's error is YAMLError).
ReadError = yaml.YAMLError


class _Yaml12Reader(yaml.CSafeLoader):
    """PyYAML's C parser with YAML 1.2's plain scalars, as the writer reads them: "No", "on" and
    "y" are words, not booleans, and "9:30" is text, not the sexagesimal number 570."""


_YAML_1_1_ONLY = {"tag:yaml.org,2002:bool", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float"}
_Yaml12Reader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag not in _YAML_1_1_ONLY]
    for first, resolvers in yaml.CSafeLoader.yaml_implicit_resolvers.items()
}
_Yaml12Reader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))
_Yaml12Reader.add_implicit_resolver(
    "tag:yaml.org,2002:int", re.compile(r"^(?:[-+]?[0-9][0-9_]*|0o[0-7_]+|0x[0-9a-fA-F_]+)$"), list("-+0123456789"))
_Yaml12Reader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
               r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"),
    list("-+0123456789."))


def _yaml12_int(loader: _Yaml12Reader, node: yaml.ScalarNode) -> int:
    """"012" is twelve in YAML 1.2 (PyYAML would read octal); 0o and 0x name their base; "_" groups
    digits, as the writer reads them."""
    text = str(loader.construct_scalar(node)).replace("_", "")
    if text[:2] in ("0o", "0x"):
        return int(text[2:], 8 if text[1] == "o" else 16)
    return int(text)


_Yaml12Reader.add_constructor("tag:yaml.org,2002:int", _yaml12_int)


def load(text: str) -> Any:
    """Plain dicts, lists and scalars (YAML 1.2). Raises ReadError for text that is not YAML."""
    return yaml.load(text, Loader=_Yaml12Reader)  # noqa: S506 (a safe loader: plain data only)


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
