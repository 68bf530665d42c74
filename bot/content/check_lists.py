"""A guided check's result lists, rendered from the codes the actions send: each entry of
data/content/checks.yml in the conversation's language, its amounts worded with their year (with
care once the year has passed), joined into a list ("1. ..." or "- ...") and split into bubbles.

Pure: the NLG endpoint hands in the content, the rules and the year. Never logs.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Mapping, TypeGuard

from bot.checks.rules import Rule
from bot.content.render import render
from bot.content.schema import CHECKS, PLACEHOLDER
from bot.content.store import ContentStore

# The content rule for one bubble (docs/content-format.md).
MAX_BUBBLE = 600
# A list's share of a bubble when its response has no placeholder for it.
LIST_LIMIT = 550
# The argument that carries a list, and the bubble a response asks for (actions/api/contract.py).
CHECK_LIST_ARGUMENT = "check_list"
PART_ARGUMENT = "part"
# The response that carries the rest of a long list, without the heading of the first bubble.
CONTINUED = "utter_check_list_continued"
CONTINUED_PLACEHOLDER = "items"
# Only a check's own entries may be listed.
ENTRY_PREFIXES = tuple(f"utter_{check}_" for check in sorted(CHECKS))
# Larger than the cost of any real split of a list into bubbles: one that does not fit.
IMPOSSIBLE = 10 ** 12
# (Dutch, an amount of money) -> how to say "check what holds now" once the year has passed:
# "3 (in 2025; check wat nu geldt bij de gemeente) werkdagen", not "check het bedrag".
STALE_HINTS = {(True, True): "check het bedrag van nu bij", (True, False): "check wat nu geldt bij",
               (False, True): "check the current amount at", (False, False): "check what applies now at"}


class NotACheckList(ValueError):
    """The arguments do not describe a check's list."""


@dataclass(frozen=True)
class Item:
    key: str
    texts: Mapping[str, str]  # placeholder -> the entry whose text fills it


@dataclass(frozen=True)
class CheckList:
    heading: str
    items: tuple[Item, ...]
    amounts: Mapping[str, str]  # placeholder -> rule name
    numbered: bool

    @classmethod
    def parse(cls, raw: Any) -> CheckList:
        """The list as the actions send it; NotACheckList when its shape or keys are wrong."""
        if not isinstance(raw, dict) or not isinstance(raw.get("items"), list):
            raise NotACheckList("expected {heading, items, amounts, numbered}")
        heading, amounts = raw.get("heading"), raw.get("amounts") or {}
        if not isinstance(heading, str) or not heading.startswith(ENTRY_PREFIXES) or not _names(amounts):
            raise NotACheckList("heading or amounts")
        items = []
        for item in raw["items"]:
            key = item.get("key") if isinstance(item, dict) else None
            texts = (item.get("texts") or {}) if isinstance(item, dict) else None
            if not isinstance(key, str) or not key.startswith(ENTRY_PREFIXES) or not _names(texts) \
                    or not all(str(entry).startswith(ENTRY_PREFIXES) for entry in texts.values()):
                raise NotACheckList("item")
            items.append(Item(key, dict(texts)))
        return cls(heading, tuple(items), dict(amounts), raw.get("numbered") is True)


def _names(mapping: Any) -> TypeGuard[dict[str, str]]:
    return isinstance(mapping, dict) and all(isinstance(k, str) and isinstance(v, str)
                                             for k, v in mapping.items())


def careful_amount(rule: Rule, language: str, this_year: int) -> str:
    """"€ 7.575 (2026)"; "€ 7.575 (in 2024; check het bedrag van nu bij rijksoverheid.nl)" when the
    year has passed; a period ("3" werkdagen) names its year only then."""
    value: float | int = int(rule.value) if float(rule.value).is_integer() else rule.value
    amount = f"{value:,.2f}" if isinstance(value, float) else f"{value:,}"
    if language == "nl":  # 1.219,64 in Dutch, 1,219.64 in English
        amount = amount.translate(str.maketrans(",.", ".,"))
    euro = rule.unit.startswith("euro")
    if euro:
        amount = f"€ {amount}"  # other units ("weken") are words of the answer's own text
    if rule.stale(this_year):
        return f"{amount} (in {rule.year}; {STALE_HINTS[language == 'nl', euro]} {rule.check_at})"
    # Every amount names its year. Periods set by law ("3 werkdagen") are exempt while the rule's
    # year is this year: docs/content-format.md, "Years in texts".
    return f"{amount} ({rule.year})" if euro else amount


def entry_text(store: ContentStore, key: str, language: str,
               values: Mapping[str, str] | None = None) -> str | None:
    """One entry's text, placeholders filled; None when the entry is missing or a placeholder has
    no value (better left out than half said)."""
    answer = store.get(key)
    text = answer.variants[language].text.strip() if answer is not None else ""
    given = values or {}
    if not text or not {name for name in PLACEHOLDER.findall(text)} <= set(given):
        return None
    return PLACEHOLDER.sub(lambda match: given[match.group(1)], text)


def lines(check_list: CheckList, language: str, store: ContentStore, rules: Mapping[str, Rule],
          this_year: int) -> list[str]:
    """The list's entries as said; an entry whose amount is unknown falls back to its
    `_no_amount` entry, or is left out."""
    amounts = {placeholder: careful_amount(rules[name], language, this_year)
               for placeholder, name in check_list.amounts.items() if name in rules}
    found = []
    for item in check_list.items:
        texts = {placeholder: entry_text(store, key, language) for placeholder, key in item.texts.items()}
        values = {**amounts, **{placeholder: text for placeholder, text in texts.items() if text}}
        text = (entry_text(store, item.key, language, values)
                or entry_text(store, f"{item.key}_no_amount", language))
        if text:
            found.append(text)
    return found


def room(store: ContentStore, response: str, language: str, default: int = LIST_LIMIT) -> int:
    """How many characters a list may take in `response` (its one placeholder) so that its bubble
    stays within MAX_BUBBLE; `default` when the response has no placeholder."""
    answer = store.get(response)
    if answer is None or not answer.placeholders:
        return default
    template = answer.variants[language].text
    placeholder = f"{{{answer.placeholders[0]}}}"
    if placeholder not in template:
        return default
    return MAX_BUBBLE - len(template.strip().replace(placeholder, "", 1))


def chunks(entries_: Iterable[str], numbered: bool = False, limit: int = MAX_BUBBLE,
           later_limit: int | None = None) -> list[str]:
    """The lines as lists ("1. ..." or "- ..."), the first within `limit` characters and the
    others within `later_limit` (default `limit`): the rest of a bubble is for the response's own
    words, and only the first bubble has a heading. A long list goes on in as few bubbles as
    possible, numbering on, rather than losing a step; the lines are spread evenly over them, so
    the last bubble never holds one short step that the others left over."""
    later = limit if later_limit is None else later_limit
    entries = [((f"{index}. " if numbered else "- ") + line)[:min(limit, later)]
               for index, line in enumerate(entries_, start=1)]
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
    best: dict[tuple[int, int], tuple[int, tuple[int, ...]]] = {}

    def split(start: int, left: int) -> tuple[int, tuple[int, ...]]:
        """(cost, where each bubble ends) for entries[start:] in `left` bubbles."""
        if (start, left) in best:
            return best[start, left]
        cap, words = (limit, MAX_BUBBLE - limit) if start == 0 else (later, MAX_BUBBLE - later)
        found: tuple[int, tuple[int, ...]] = (IMPOSSIBLE, ())
        ends = [len(entries)] if left == 1 else range(start + 1, len(entries) - left + 2)
        for end in ends:
            if size(start, end) > cap:
                break
            rest: tuple[int, tuple[int, ...]] = (0, ()) if left == 1 else split(end, left - 1)
            cost = rest[0] + (size(start, end) + max(words, 0)) ** 2
            # On a tie the first bubble, the one with the heading, takes more.
            if rest[0] < IMPOSSIBLE and cost <= found[0]:
                found = (cost, (end,) + rest[1])
        best[start, left] = found
        return found

    ends = split(0, count)[1]
    return ["\n".join(entries[start:end]) for start, end in zip((0,) + ends[:-1], ends, strict=True)]


def bubbles(check_list: CheckList, language: str, store: ContentStore, rules: Mapping[str, Rule],
            this_year: int) -> list[str]:
    """The list, split into the parts each bubble holds: the first under the heading."""
    return chunks(lines(check_list, language, store, rules, this_year), check_list.numbered,
                  room(store, check_list.heading, language), room(store, CONTINUED, language))


def render_part(response: str, arguments: Mapping[str, Any], language: str, store: ContentStore,
                rules: Mapping[str, Rule], this_year: int) -> dict[str, Any]:
    """The message for one part of a list: the heading's response with the first bubble, or the
    continuation with a later one; {} (Rasa then says nothing) for a part the list does not fill.
    NotACheckList when the arguments are not a list of this response."""
    check_list = CheckList.parse(arguments.get(CHECK_LIST_ARGUMENT))
    part = arguments.get(PART_ARGUMENT)
    if not isinstance(part, int) or isinstance(part, bool) or part < 1 \
            or response != (check_list.heading if part == 1 else CONTINUED):
        raise NotACheckList("part")
    answer = store.get(response)
    parts = bubbles(check_list, language, store, rules, this_year)
    if answer is None or not answer.placeholders or part > len(parts):
        return {}
    return render(answer, language, store, values={answer.placeholders[0]: parts[part - 1]})
