"""Reads which language one message is in, and how sure that is: the evidence for the chat's language.

A `Reading` says Dutch or English and how strong: `CHOSEN` (the widget's or a reply's language
button), `CLEAR` (a real sentence) or `LEAN` (two words, or a sentence lingua is unsure of). A
message that says nothing about language ("ok", "bijstand?", "Rotterdam", "hoi", a phone
number) reads as None: any detector guesses at single words. bot/gateway/conversations.py
decides from the readings when the chat switches.

What counts: lingua's confidence on the words that are left after taking out placeholders of
the redactor ("[telefoonnummer]" is Dutch in any message), numbers and Dutch place names, plus
a count of function words that exist in only one of the two languages. The function words are
needed because users mix: "can i get zorgtoeslag without a bsn" is English, yet lingua calls it
Dutch at 0.95; and lingua is unsure of short plain questions ("What is an exit programme?" 0.66).
"""
from __future__ import annotations

import json
import re
import unicodedata
from enum import Enum
from pathlib import Path
from typing import Iterable, NamedTuple

from lingua import Language, LanguageDetectorBuilder

from bot.content.schema import LANGUAGES
from bot.regions.directory import read_gemeenten

# Below 2 words nothing counts; from 3 words a sentence can be clear.
MIN_WORDS = 2
CLEAR_WORDS = 3
# lingua's confidence for a clear sentence (when the function words do not say otherwise), and
# for a lean. Below 0.8 lingua called "hoi" English in our trials.
CLEAR_CONFIDENCE = 0.8
LEAN_CONFIDENCE = 0.75
# Function words of one language more than of the other: 2 make a sentence clear when lingua
# agrees, 3 even when it does not ("How do I close my sole trade (eenmanszaak)?").
CLEAR_MARGIN = 2
OVERRULE_MARGIN = 3
_CODES = {Language.DUTCH: "nl", Language.ENGLISH: "en"}
# Words that are in only one of the two languages (so not "is", "in", "we", "me", "of", "over",
# "want", "die", "help", "stop"), written as users type them.
_FUNCTION_WORDS = {
    "en": frozenset("""
        i i'm im i've ive you your you're youre the a an to are do does did don't dont doesn't
        can can't cant could would should will what how where when why who which my it it's
        and for with not no yes please pls plz this that these those have has need get am be
        been there they them their from about if or at on just like know he she his him our us
        any thanks thank much many than then so but because after before now go going myself
        anyone someone something""".split()),
    "nl": frozenset("""
        ik je jij jou jouw u uw de het een en van niet geen wat hoe waar wanneer waarom wie
        welke kan kun kunt mag moet wil wilt mijn mn m'n heb hebt heeft ben bent zijn met voor
        op aan dat dit er graag ook nog maar als om bij naar uit te mee zo al dan toch wel ja
        nee dank bedankt hoi hij zij ze hun hen ons onze jullie mij zou zal wordt gaat doen doe
        weet krijg krijgen aub alsjeblieft ff iets niks niemand iemand heel echt""".split()),
}
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)*")
_PLACEHOLDER = re.compile(r"\[[^\]]*\]")  # what bot/privacy/redactor.py puts in
# The widget's and the replies' language buttons (bot/content/store.py, payload).
_CHOICE = re.compile(r"/change_language(\{.*\})")
_GEMEENTEN = Path(__file__).resolve().parents[2] / "data" / "gemeenten.tsv"
# Municipalities whose name is also a common word: stay words.
_NOT_PLACES = frozenset({"son", "best", "goes", "echt", "mill", "buren", "putten", "bergen"})


class Strength(Enum):
    LEAN = 1
    CLEAR = 2
    CHOSEN = 3


class Reading(NamedTuple):
    language: str
    strength: Strength


class LanguageGuesser:
    def __init__(self, place_names: Iterable[str] | None = None) -> None:
        self._detector = LanguageDetectorBuilder.from_languages(*_CODES).build()
        names = _place_names() if place_names is None else place_names
        keys = sorted({_normal(n) for n in names} - _NOT_PLACES - {""}, key=len, reverse=True)
        self._places = re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, keys)) + r")(?!\w)") if keys else None

    def read(self, text: str) -> Reading | None:
        """What this message says about the language the user writes in, or None."""
        if text.startswith("/"):  # a button's intent ("/request_handover"): no words of the user
            chosen = _choice(text)
            return None if chosen is None else Reading(chosen, Strength.CHOSEN)
        words = self._words(text)
        if len(words) < MIN_WORDS:
            return None
        best = self._detector.compute_language_confidence_values(" ".join(words))[0]
        detected, confidence = _CODES[best.language], best.value
        counts = {code: sum(w in listed for w in words) for code, listed in _FUNCTION_WORDS.items()}
        margin = abs(counts["nl"] - counts["en"])
        favoured = None if margin == 0 else max(counts, key=counts.__getitem__)
        agrees = favoured in (None, detected)
        if len(words) >= CLEAR_WORDS:
            if favoured is not None and (margin >= OVERRULE_MARGIN
                                         or (margin >= CLEAR_MARGIN and favoured == detected)):
                return Reading(favoured, Strength.CLEAR)
            if confidence >= CLEAR_CONFIDENCE and agrees:
                return Reading(detected, Strength.CLEAR)
        if agrees and (confidence >= LEAN_CONFIDENCE or favoured == detected):
            return Reading(detected, Strength.LEAN)
        if favoured is not None and margin >= CLEAR_MARGIN:
            return Reading(favoured, Strength.LEAN)
        return None

    def _words(self, text: str) -> list[str]:
        text = _PLACEHOLDER.sub(" ", _normal(text))
        if self._places is not None:
            text = self._places.sub(" ", text)
        return _WORD.findall(text)


def _normal(text: str) -> str:
    text = unicodedata.normalize("NFC", text).lower().replace("’", "'").replace("-", " ")
    return " ".join(text.split())


def _choice(text: str) -> str | None:
    match = _CHOICE.fullmatch(text)
    if match is None:
        return None
    try:
        language = json.loads(match.group(1)).get("language")
    except (ValueError, AttributeError):
        return None
    return language if language in LANGUAGES else None


def _place_names() -> list[str]:
    """The municipalities and their other names: "I live in Den Haag" is English."""
    if not _GEMEENTEN.exists():
        return []
    gemeenten, aliases = read_gemeenten(_GEMEENTEN)
    return [g.name for g in gemeenten] + list(aliases)
