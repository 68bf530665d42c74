"""The Rasa NLU files in data/nlu/: reads which intents exist and which examples they already
have, and writes the editors' phrasings as one more NLU file. Owns that file format; never
touches the database.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from bot import yaml_files

# The file the editors' phrasings are exported to; developers commit it with the rest of data/nlu.
EDITOR_FILE = "editor_phrasings.yml"
HEADER = ("# Example phrasings written by editors in the staff web app (/staff/training), written\n"
          "# here when an admin retrains. Change them there: this file is overwritten.\n")
# Rasa reads `[text](entity)`, `[text]{...}` and `[text][...]` in an example as an annotation.
ANNOTATION = re.compile(r"\[([^\]]+?)\](?:\([^)]*\)|\{[^}]*\}|\[[^\]]*\])")


def normalised(text: str) -> str:
    """The form two examples are compared in: case and runs of whitespace do not count."""
    return " ".join(text.split()).casefold()


@dataclass(frozen=True)
class TrainingData:
    """The intents of the NLU files and their examples as plain text (annotations removed)."""

    intents: frozenset[str]
    examples: dict[str, list[str]] = field(default_factory=dict)  # intent -> examples, in file order

    @classmethod
    def read(cls, nlu_dir: Path, skip: str = EDITOR_FILE) -> TrainingData:
        """Every `- intent:` of data/nlu/*.yml except the editors' own file (those are phrasings)."""
        examples: dict[str, list[str]] = {}
        for path in sorted(nlu_dir.glob("*.yml")):
            if path.name == skip:
                continue
            for intent, texts in read_examples(path):
                examples.setdefault(intent, []).extend(ANNOTATION.sub(r"\1", t) for t in texts)
        return cls(frozenset(examples), examples)

    def owner_of(self, text: str) -> str | None:
        """The intent that already has this example, if one has."""
        wanted = normalised(text)
        return next((intent for intent, texts in self.examples.items()
                     if any(normalised(t) == wanted for t in texts)), None)


def read_examples(path: Path) -> list[tuple[str, list[str]]]:
    """(intent, examples) of one Rasa NLU file; lookups, synonyms and regexes are skipped."""
    if not path.exists():
        return []
    document = yaml_files.load(path.read_text(encoding="utf-8")) or {}
    found = []
    for item in document.get("nlu") or []:
        if isinstance(item, dict) and "intent" in item:
            lines = str(item.get("examples") or "").splitlines()
            # Rasa's own reading: a line starting with "-", without it and the spaces around.
            found.append((str(item["intent"]), [line[1:].strip(" \r\n") for line in lines
                                                 if line.startswith("-")]))
    return found


def nlu_file(phrasings: Iterable[tuple[str, str]]) -> str:
    """A Rasa 3.x NLU file of (intent, text) pairs, in a stable order: by intent, then text.
    The texts must be single lines without annotation brackets (bot.nlu.phrasings checks)."""
    by_intent: dict[str, list[str]] = {}
    for intent, text in sorted(set(phrasings)):
        by_intent.setdefault(intent, []).append(text)
    if not by_intent:
        return HEADER + 'version: "3.1"\nnlu: []\n'
    lines = [HEADER + 'version: "3.1"', "nlu:"]
    for intent, texts in by_intent.items():
        # A literal block: inside it no character of the text has a meaning to YAML.
        lines += [f"- intent: {intent}", "  examples: |"] + [f"    - {text}" for text in texts]
    return "\n".join(lines) + "\n"
