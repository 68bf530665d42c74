"""The house rules of the content that import cannot check alone (docs/content-format.md, "How
the assistant speaks" and "The content lint"): every amount, percentage and period names
its year in the same text; every source names a year; every topic answer offers a person; texts
about keeping or deleting the user's words are generated from the settings; yearly figures exist
and still fit in a bubble. `make test` runs it on data/content/; it never changes a text.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from bot.content.schema import MAX_TEXT_CHARS, PLACEHOLDER, RULE_PLACEHOLDER, Answer

YEAR = re.compile(r"\b20[2-3]\d\b")
# A number as texts write it ("1.225", "7,5"), not the end of a phone number ("0800-2000, dag").
_NUMBER = r"(?<![\d-])\d+(?:[.,]\d+)*"
# A sum of money, a percentage, or a period ("3 werkdagen", "12 maanden", "72 uur").
AMOUNT = re.compile(
    rf"€\s?{_NUMBER}|{_NUMBER}\s?%|\b{_NUMBER}\s?(euro|procent|percent)\b"
    rf"|\b{_NUMBER}\s+(werk)?(dagen|dag|weken|week|maanden|maand|jaar|uur|working days|days|day|weeks|week"
    r"|months|month|years|year|hours)\b", re.IGNORECASE)
# Not a period: an age ("vanaf 21 jaar", "55 jaar of ouder", "under 18 years") or office hours ("9-17 uur").
AGE_OR_TIME = re.compile(
    rf"\b(dan|vanaf|onder|boven|tot|over|under|aged?|van|bent|ben|is|zijn|was|of)\s+{_NUMBER}\s+(jaar|years)\b"
    rf"|\b{_NUMBER}\s+(jaar|years)\s+(of ouder|oud|or older|old|of jonger|or younger)\b"
    rf"|\b\d{{1,2}}(:\d\d)?\s?[-–]\s?\d{{1,2}}(:\d\d)?\s+uur\b", re.IGNORECASE)
# A statement about keeping or deleting what the user said.
STORAGE = re.compile(r"\b(bewaar\w*|opgeslagen|gewist|stored?|kept|keep|deleted?|erased?)\b", re.IGNORECASE)
USERS_WORDS = re.compile(r"\b(je|jouw|your)\s+(antwoorden|gegevens|berichten|gesprek|answers|data|messages"
                         r"|conversation|chat)\b", re.IGNORECASE)
# "Keep your data in the BRP secret" is about someone else's records, not this chat.
NOT_THIS_CHAT = re.compile(r"\b(secret|geheim\w*)\b", re.IGNORECASE)
SENTENCE = re.compile(r"(?<=[.?!])\s+|\n")
# Texts about storage that state what a command just did, not a promise about retention.
STORAGE_STATEMENTS = frozenset({"utter_forget_me", "utter_forgotten"})
PERSON = "request_handover"


def _plain(text: str) -> str:
    """The text without placeholders: a figure names its own year, a check amount is the check's."""
    return PLACEHOLDER.sub("", RULE_PLACEHOLDER.sub("", text))


def _about_storage(sentence: str) -> bool:
    return bool(STORAGE.search(sentence) and USERS_WORDS.search(sentence) and not NOT_THIS_CHAT.search(sentence))


def amounts_without_year(text: str) -> list[str]:
    plain = AGE_OR_TIME.sub("", _plain(text))
    if YEAR.search(plain):
        return []
    return [m.group(0) for m in AMOUNT.finditer(plain)]


def problems(answers: Iterable[Answer], figures: Mapping[str, Mapping[str, str]]) -> list[str]:
    """`figures`: {rule name: {language: worded}}, the yearly figures as answers show them."""
    found = []
    for answer in answers:
        for language, variant in answer.variants.items():
            where = f"{answer.key} ({language})"
            missing = amounts_without_year(variant.text)
            if missing:
                found.append(f"{where}: {', '.join(missing)} without a year in the text")
            for name in RULE_PLACEHOLDER.findall(variant.text):
                if name not in figures:
                    found.append(f"{where}: no yearly figure named {name}")
            longest = RULE_PLACEHOLDER.sub(lambda m: figures.get(m.group(1), {}).get(language, ""),  # noqa: B023
                                           variant.text)  # (B023: sub calls it at once, in this iteration)
            if len(longest) > MAX_TEXT_CHARS:
                found.append(f"{where}: {len(longest)} characters with the figures filled in")
            if (answer.key not in STORAGE_STATEMENTS and "{retention_days}" not in variant.text
                    and any(_about_storage(sentence) for sentence in SENTENCE.split(variant.text))):
                found.append(f"{where}: says how the user's words are kept; take it from {{retention_days}}")
        if answer.source and not YEAR.search(answer.source):
            found.append(f"{answer.key}: the source names no year")
        if answer.missing:
            found.append(f"{answer.key}: no {', '.join(answer.missing)} text")
        is_topic = answer.key.startswith("utter_ask_") and "/" in answer.key
        if is_topic and PERSON not in {b.target for b in answer.variants["nl"].buttons}:
            found.append(f"{answer.key}: no button to a person ({PERSON})")
    return found
