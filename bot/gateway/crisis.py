"""Matches the curated crisis phrases (data/crisis_phrases.yml) in a message.

Runs on every message whatever the NLU says. Never logs the message.
"""
from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from bot import yaml_files

# The kinds of the curated phrases, most urgent first: when several match, the first is answered.
# (The NLU has one more, "general", for a crisis whose kind is unclear: no phrase is unclear.)
CATEGORIES = ("danger", "suicidal", "minor", "trafficking", "violence")


def normalise(text: str) -> str:
    """Lower case, no accents, typographic apostrophes straightened, punctuation as spaces."""
    text = unicodedata.normalize("NFKD", text.replace("’", "'")).encode("ascii", "ignore").decode()
    return " " + re.sub(r"[^a-z0-9']+", " ", text.lower()).strip() + " "


class CrisisPhrases:
    def __init__(self, phrases: dict[str, list[str]]) -> None:
        unknown = set(phrases) - set(CATEGORIES)
        if unknown:
            raise ValueError(f"unknown crisis categories: {sorted(unknown)}")
        self._phrases = [
            (category, [normalise(p) for p in phrases.get(category, [])]) for category in CATEGORIES
        ]

    @classmethod
    def from_file(cls, path: Path) -> "CrisisPhrases":
        return cls(yaml_files.load(path.read_text(encoding="utf-8")) or {})

    def match(self, text: str) -> str | None:
        """The crisis category the message names, or None."""
        haystack = normalise(text)
        for category, phrases in self._phrases:
            if any(phrase in haystack for phrase in phrases):
                return category
        return None
