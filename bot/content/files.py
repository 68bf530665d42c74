"""Reads and writes the answer files in data/content/ (YAML, one file per topic).

Import validates everything before anything is stored; export keeps each file's layout and comments.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from ruamel.yaml.comments import CommentedMap

from bot import yaml_files
from bot.content.schema import Answer, ContentError, check_targets, parse_answer


def read_content_dir(directory: Path) -> dict[str, tuple[str, dict[str, Any]]]:
    """Returns {key: (file name, raw entry)} for every answer; raises ContentError naming the file."""
    entries: dict[str, tuple[str, dict[str, Any]]] = {}
    for path in sorted(directory.glob("*.yml")):
        try:
            data = yaml_files.load(path.read_text(encoding="utf-8")) or {}
        except yaml_files.ReadError as error:
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
        document = yaml_files.load_round_trip(path)
        if not isinstance(document, CommentedMap):
            document = CommentedMap()
        yaml_files.dump_round_trip(path, yaml_files.merge(document, answers))
