"""The short texts a check's result is built from: one entry per option, step, note or scan
domain in data/content/checks.yml (`utter_income_step_get_digid`, ...), as the bot service
publishes them now (an editor's change arrives within seconds); the file only when the service
cannot be reached, so a result is never lost.

A result lists several of them in one bubble, which one NLG response per item cannot do, so the
action joins them and hands the list to a response with a placeholder (`utter_income_steps`
with {steps}). The texts stay content; this module never holds wording of its own.
"""
from __future__ import annotations

import string
import time
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping, Optional, Tuple

import yaml

from actions.api.bot_client import BotApiUnavailable, get_check_texts

CONTENT = Path(__file__).resolve().parents[1] / "data" / "content" / "checks.yml"
LANGUAGES = ("nl", "en")
# The content rule for one bubble (docs/content-format.md).
MAX_BUBBLE = 600


# Published texts per language and when they were fetched: a result needs a dozen of them, and
# a few seconds' delay for an editor's change is fine.
FRESH_SECONDS = 5.0
_published: Dict[str, Tuple[float, Dict[str, str]]] = {}


@lru_cache(maxsize=1)
def _file_entries() -> Dict[str, Any]:
    return yaml.safe_load(CONTENT.read_text(encoding="utf-8")) or {}


async def refresh(language: str) -> None:
    """Fetches the published texts unless fresh ones are at hand; keeps the last ones (or the
    file) when the service cannot be reached."""
    language = language if language in LANGUAGES else "nl"
    fetched = _published.get(language)
    if fetched is not None and time.monotonic() - fetched[0] < FRESH_SECONDS:
        return
    try:
        _published[language] = (time.monotonic(), await get_check_texts(language))
    except BotApiUnavailable:
        pass


def _text(key: str, language: str) -> str:
    published = _published.get(language)
    if published is not None:
        return published[1].get(key, "")
    entry = _file_entries().get(key)
    if not isinstance(entry, dict):
        return ""
    variant = entry.get(language) or entry.get("nl") or {}
    return str(variant.get("text") or "")


def item(key: str, language: str, values: Optional[Mapping[str, Any]] = None) -> Optional[str]:
    """The text of one entry in the language (nl when unknown), placeholders filled; None when
    the entry is missing or a placeholder has no value (better left out than half said)."""
    text = _text(key, language if language in LANGUAGES else "nl").strip()
    names = {name for _, name, _, _ in string.Formatter().parse(text) if name}
    if not text or not names <= set(values or {}):
        return None
    return text.format(**{name: (values or {})[name] for name in names})


def chunks(lines: Iterable[str], numbered: bool = False, limit: int = MAX_BUBBLE) -> List[str]:
    """The lines as lists ("1. ..." or "- ..."), each within `limit` characters (the rest of a
    bubble is for the response's own words around the list); a long list goes on in a next
    bubble, numbering on, rather than losing a step."""
    found: List[str] = []
    current: List[str] = []
    for index, line in enumerate(lines, start=1):
        entry = (f"{index}. " if numbered else "- ") + line
        if current and len("\n".join(current + [entry])) > limit:
            found.append("\n".join(current))
            current = []
        current.append(entry[:limit])
    if current:
        found.append("\n".join(current))
    return found
