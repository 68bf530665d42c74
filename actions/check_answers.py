"""Understands the answers to the guided checks' questions (issue 6), typed or pressed, in Dutch
and English.

Small word lists, no model, like actions/handover_answers.py (whose helpers it reuses): a reply
button sends the same words a person would type. Each reader returns the slot value, SKIP,
CANCEL, or None when the answer is not understood. Never logs text.
"""
from __future__ import annotations

from typing import Callable, Dict, Optional, Sequence, Tuple

from actions.handover_answers import (CANCEL, NEGATIONS, SKIP, YES_WORDS, _named, _says, control,
                                      words)

__all__ = ["CANCEL", "SKIP", "READERS", "age", "registered", "work", "household", "savings", "rating"]

# "Weet ik niet" is an answer here (unknown), not a skip: checked before the skip words.
UNKNOWN_WORDS = ("weet ik niet", "weet niet", "geen idee", "niet zeker", "dont know", "do not know",
                 "not sure", "no idea", "unknown", "onbekend")
AGE_WORDS: Dict[str, Tuple[str, ...]] = {
    "under_18": ("jonger dan 18", "onder de 18", "under 18", "younger than 18", "minderjarig"),
    "18_20": ("18 tot 21", "18 20", "18 to 20", "18 tot en met 20"),
    "21_26": ("21 tot 27", "21 26", "21 to 26", "21 tot en met 26"),
    "27_plus": ("27 of ouder", "27 plus", "27 or older", "ouder dan 27", "older than 27", "27"),
}
WORK_WORDS: Dict[str, Tuple[str, ...]] = {
    "kvk": ("kvk", "zzp", "zzper", "zelfstandige", "zelfstandig", "eigen bedrijf", "self employed",
            "freelance", "kamer van koophandel"),
    "opting_in": ("opting in", "optingin", "opting", "loonheffing"),
    "other": ("anders", "anders gewerkt", "zwart", "niet ingeschreven", "other", "otherwise",
              "something else", "iets anders"),
}
HOUSEHOLD_WORDS: Dict[str, Tuple[str, ...]] = {
    "children": ("kind", "kinderen", "kids", "child", "children", "zoon", "dochter"),
    "partner": ("partner", "vriend", "vriendin", "man", "vrouw", "husband", "wife", "boyfriend",
                "girlfriend", "samen", "together"),
    "alone": ("alleen", "alone", "by myself", "on my own", "single", "alleenstaand"),
}
RATING_WORDS: Dict[str, Tuple[str, ...]] = {
    "worried": ("zorgen", "ik maak me zorgen", "bezorgd", "slecht", "niet goed", "worried", "worry",
                "bad", "not good", "not okay"),
    "better": ("kan beter", "gaat wel", "matig", "soso", "zo zo", "could be better", "so so",
               "okay ish", "not great"),
    "fine": ("gaat goed", "goed", "prima", "fine", "good", "all good", "great", "ok", "oke", "okay"),
}


def _number(tokens: Sequence[str]) -> Optional[int]:
    numbers = [int(token) for token in tokens if token.isdigit() and len(token) <= 3]
    return numbers[0] if len(numbers) == 1 else None


def age(text: str) -> Optional[str]:
    """An age band from a pressed band ("18 tot 21") or a typed age ("ik ben 24")."""
    tokens = words(text)
    said = control(text)
    if said is not None:
        return said
    named = _named(tokens, AGE_WORDS)
    if named:
        return named[0]
    years = _number(tokens)
    if years is None or not 10 <= years <= 110:
        return None
    if years < 18:
        return "under_18"
    return "18_20" if years < 21 else "21_26" if years < 27 else "27_plus"


def _yes_no_unknown(text: str) -> Optional[str]:
    tokens = words(text)
    if control(text) == CANCEL:
        return CANCEL
    if _says(tokens, UNKNOWN_WORDS):
        return "unknown"
    if control(text) == SKIP:
        return SKIP
    if _says(tokens, NEGATIONS):
        return "no"
    return "yes" if _says(tokens, YES_WORDS) else None


def registered(text: str) -> Optional[str]:
    """yes | no | unknown: registered in a Dutch gemeente with a BSN."""
    if _says(words(text), ("bsn", "ingeschreven", "registered")) and not _says(words(text), NEGATIONS):
        return "yes"
    return _yes_no_unknown(text)


def savings(text: str) -> Optional[str]:
    """yes | no | unknown: savings above the asset limit."""
    return _yes_no_unknown(text)


def _one_of(options: Dict[str, Tuple[str, ...]]) -> Callable[[str], Optional[str]]:
    def read(text: str) -> Optional[str]:
        said = control(text)
        if said is not None:
            return said
        named = _named(words(text), options)
        return named[0] if named else None
    return read


work = _one_of(WORK_WORDS)
household = _one_of(HOUSEHOLD_WORDS)
# "Niet goed" must not read as "goed": the first named wins, and "worried" lists "niet goed".
rating = _one_of(RATING_WORDS)

READERS: Dict[str, Callable[[str], Optional[str]]] = {
    "income_age": age, "income_registered": registered, "income_work": work,
    "income_household": household, "income_savings": savings,
}
