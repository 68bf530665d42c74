"""The short texts a check's result is built from: one entry per option, step, note or scan
domain in data/content/checks.yml (`utter_income_step_get_digid`, ...), as the bot service
publishes them now (an editor's change arrives within seconds); the file only when the service
cannot be reached, so a result is never lost.

A result lists several of them in one bubble, which one NLG response per item cannot do, so the
action joins them and hands the list to a response with a placeholder (`utter_income_steps`
with {steps}). A list too long for one bubble goes on in `utter_check_list_continued`, which has
no heading of its own, so the heading is said once and the numbering runs on. The texts stay
content; this module never holds wording of its own.
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
# The response that carries the rest of a long list, without the heading of the first bubble.
CONTINUED = "utter_check_list_continued"
CONTINUED_PLACEHOLDER = "items"
# Larger than the cost of any real split of a list into bubbles: one that does not fit.
IMPOSSIBLE = 10 ** 12


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
    return _file_text(key, language)


def _file_text(key: str, language: str) -> str:
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


def room(response: str, placeholder: str, language: str, default: int = MAX_BUBBLE - 50) -> int:
    """How many characters a list may take in `response` ({placeholder}) so that its bubble stays
    within MAX_BUBBLE; `default` when the response's text is unknown. The continuation response
    is not among the published check texts, so its file text counts then."""
    language = language if language in LANGUAGES else "nl"
    template = _text(response, language) or _file_text(response, language)
    if f"{{{placeholder}}}" not in template:
        return default
    return MAX_BUBBLE - len(template.strip().replace(f"{{{placeholder}}}", "", 1))


def chunks(lines: Iterable[str], numbered: bool = False, limit: int = MAX_BUBBLE,
           later_limit: Optional[int] = None) -> List[str]:
    """The lines as lists ("1. ..." or "- ..."), the first within `limit` characters and the
    others within `later_limit` (default `limit`): the rest of a bubble is for the response's own
    words, and only the first bubble has a heading. A long list goes on in as few bubbles as
    possible, numbering on, rather than losing a step; the lines are spread evenly over them, so
    the last bubble never holds one short step that the others left over."""
    later = limit if later_limit is None else later_limit
    entries = [((f"{index}. " if numbered else "- ") + line)[:min(limit, later)]
               for index, line in enumerate(lines, start=1)]
    if not entries:
        return []

    def size(start: int, end: int) -> int:
        return sum(len(entry) for entry in entries[start:end]) + end - start - 1

    # The fewest bubbles: filling each in turn as far as it goes.
    count, start = 0, 0
    while start < len(entries):
        end = start + 1
        while end < len(entries) and size(start, end + 1) <= (later if count else limit):
            end += 1
        count, start = count + 1, end
    # Of the splits into that many bubbles, the most even one: the least sum of the squared
    # bubble lengths (the heading counts in the first). Lists are short, so every split is tried.
    best: Dict[Tuple[int, int], Tuple[int, Tuple[int, ...]]] = {}

    def split(start: int, left: int) -> Tuple[int, Tuple[int, ...]]:
        """(cost, where each bubble ends) for entries[start:] in `left` bubbles."""
        if (start, left) in best:
            return best[start, left]
        cap, words = (limit, MAX_BUBBLE - limit) if start == 0 else (later, MAX_BUBBLE - later)
        found: Tuple[int, Tuple[int, ...]] = (IMPOSSIBLE, ())
        ends = [len(entries)] if left == 1 else range(start + 1, len(entries) - left + 2)
        for end in ends:
            if size(start, end) > cap:
                break
            rest = (0, ()) if left == 1 else split(end, left - 1)
            cost = rest[0] + (size(start, end) + max(words, 0)) ** 2
            # On a tie the first bubble, the one with the heading, takes more.
            if rest[0] < IMPOSSIBLE and cost <= found[0]:
                found = (cost, (end,) + rest[1])
        best[start, left] = found
        return found

    ends = split(0, count)[1]
    return ["\n".join(entries[start:end]) for start, end in zip((0,) + ends[:-1], ends)]

