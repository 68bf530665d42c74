"""Understands the answers to the handover questions, typed or pressed, in Dutch and English.

Small word lists, no model: a button sends the same words a person would type. Each reader
returns the slot value, SKIP, CANCEL, or None when the answer is not understood. Never logs text.
"""
from __future__ import annotations

import re
import unicodedata
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

SKIP = "skip"
CANCEL = "cancel"
# "Stop" and "skip" end or pass a question only in a short answer: "ik wil stoppen met sekswerk
# en weet niet hoe" answers nothing, it is a new question.
MAX_CONTROL_WORDS = 5

CANCEL_WORDS = ("stop", "stoppen", "stop maar", "annuleer", "annuleren", "laat maar",
                "hou op", "niet verder", "cancel", "never mind", "nevermind", "forget it", "quit")
SKIP_WORDS = ("overslaan", "sla over", "sla maar over", "skip", "liever niet", "zeg ik liever niet",
              "weet ik niet", "weet niet", "geen idee", "rather not", "dont know", "do not know",
              "no idea", "pass")
NEGATIONS = ("nee", "neen", "niet", "geen", "nooit", "no", "not", "dont", "never")
YES_WORDS = ("ja", "jawel", "jazeker", "ok", "oke", "okay", "prima", "goed", "mag", "akkoord",
             "graag", "natuurlijk", "tuurlijk", "yes", "yep", "yeah", "sure", "fine", "agree",
             "of course")
NO_PHONE_WORDS = ("geen nummer", "geen telefoon", "geen telefoonnummer", "no number", "no phone")

CONTACT_WORDS: Dict[str, Tuple[str, ...]] = {
    "chat": ("chat", "chatten", "hier", "typen", "schrijven", "here", "write", "typing", "message",
             "messages"),
    "phone": ("bel", "bellen", "gebeld", "telefoon", "telefonisch", "terugbellen", "call", "phone",
              "ring", "calling"),
    "meeting": ("afspraak", "afspreken", "langskomen", "langs komen", "ontmoeten", "ontmoeting",
                "persoonlijk", "face to face", "meet", "meeting", "in person", "visit",
                "appointment"),
}
ANYTIME_WORDS = ("maakt niet uit", "maakt me niet uit", "maakt mij niet uit", "altijd", "hele dag",
                 "wanneer dan ook", "geen voorkeur", "allemaal", "anytime", "any time", "always",
                 "doesnt matter", "does not matter", "whenever", "all day", "no preference")
PART_OF_DAY_WORDS: Dict[str, Tuple[str, ...]] = {
    # Not "morgen": in Dutch it is also "tomorrow".
    "morning": ("ochtend", "ochtends", "morgens", "voormiddag", "morning", "mornings"),
    "afternoon": ("middag", "middags", "namiddag", "afternoon", "afternoons"),
    "evening": ("avond", "avonds", "vanavond", "nacht", "evening", "evenings", "tonight", "night"),
}
# Language names in Dutch and English (and in the language itself where users type that), to
# ISO 639-1. Not "en" and "nl" themselves: "en" is Dutch for "and".
LANGUAGE_NAMES: Dict[str, Tuple[str, ...]] = {
    "nl": ("nederlands", "nederlandse", "hollands", "vlaams", "dutch"),
    "en": ("engels", "engelse", "english", "englisch"),
    "es": ("spaans", "spaanse", "spanish", "espanol", "castellano"),
    "pl": ("pools", "poolse", "polish", "polski"),
    "ro": ("roemeens", "roemeense", "romanian", "romana"),
    "bg": ("bulgaars", "bulgaarse", "bulgarian", "български"),
    "hu": ("hongaars", "hongaarse", "hungarian", "magyar"),
    "pt": ("portugees", "portugese", "portuguese", "portugues", "braziliaans", "brazilian"),
    "fr": ("frans", "franse", "french", "francais"),
    "de": ("duits", "duitse", "german", "deutsch"),
    "it": ("italiaans", "italiaanse", "italian", "italiano"),
    "th": ("thai", "thais", "thaise"),
    "ru": ("russisch", "russische", "russian", "русский"),
    "uk": ("oekraiens", "oekraiense", "ukrainian", "украинский", "українська"),
    "zh": ("chinees", "chinese", "mandarijn", "mandarin", "kantonees", "cantonese"),
    "ar": ("arabisch", "arabische", "arabic"),
    "tr": ("turks", "turkse", "turkish", "turkce"),
    "cs": ("tsjechisch", "czech"),
    "sk": ("slowaaks", "slovak"),
    "lt": ("litouws", "lithuanian"),
    "lv": ("lets", "letlands", "latvian"),
    "sq": ("albanees", "albanian", "shqip"),
    "hr": ("kroatisch", "croatian"),
    "sr": ("servisch", "serbian"),
    "el": ("grieks", "greek"),
    "fa": ("perzisch", "farsi", "persian", "dari"),
    "ku": ("koerdisch", "kurdish"),
    "so": ("somalisch", "somali"),
    "ti": ("tigrinya",),
    "am": ("amhaars", "amharic"),
    "vi": ("vietnamees", "vietnamese"),
    "tl": ("tagalog", "filipijns", "filipino"),
    "id": ("indonesisch", "indonesian"),
    "ja": ("japans", "japanese"),
    "ko": ("koreaans", "korean"),
    "hi": ("hindi",),
    "ur": ("urdu",),
    "sw": ("swahili",),
    "da": ("deens", "danish"),
    "sv": ("zweeds", "swedish"),
    "no": ("noors", "norwegian"),
    "fi": ("fins", "finnish"),
}
# The gateway puts this in place of a phone number (bot/privacy/redactor.py); Rasa never sees one.
PHONE_PLACEHOLDER = "[telefoonnummer]"


def words(text: str) -> List[str]:
    """Lower-case words without accents or punctuation: "'s Avonds!" -> ["s", "avonds"]."""
    decomposed = unicodedata.normalize("NFKD", text.lower().replace("'", "").replace("’", ""))
    return re.findall(r"\w+", "".join(c for c in decomposed if not unicodedata.combining(c)))


def _position(tokens: Sequence[str], phrases: Iterable[str]) -> Optional[int]:
    """Where the earliest of the phrases (each one or more words) starts, or None."""
    starts = []
    for phrase in phrases:
        wanted = phrase.split()
        starts += [start for start in range(len(tokens) - len(wanted) + 1)
                   if list(tokens[start:start + len(wanted)]) == wanted][:1]
    return min(starts) if starts else None


def _says(tokens: Sequence[str], phrases: Iterable[str]) -> bool:
    return _position(tokens, phrases) is not None


def _named(tokens: Sequence[str], options: Dict[str, Tuple[str, ...]]) -> List[str]:
    """The options the tokens name, in the order they are named."""
    found = [(_position(tokens, phrases), value) for value, phrases in options.items()]
    return [value for position, value in sorted((p, v) for p, v in found if p is not None)]


def control(text: str) -> Optional[str]:
    """CANCEL or SKIP when a short answer says so, else None."""
    tokens = words(text)
    if not tokens or len(tokens) > MAX_CONTROL_WORDS:
        return None
    if _says(tokens, CANCEL_WORDS):
        return CANCEL
    if _says(tokens, SKIP_WORDS):
        return SKIP
    return None


def refuses(text: str) -> bool:
    """A short "no": for the gemeente or the number, a way of not answering."""
    tokens = words(text)
    return 0 < len(tokens) <= MAX_CONTROL_WORDS and _says(tokens, NEGATIONS)


def contact(text: str) -> Optional[str]:
    """chat, phone or meeting; SKIP, CANCEL; None when not understood. A negation or two ways at
    once ("niet bellen, liever chat") is asked again: better than calling someone who said no."""
    tokens = words(text)
    named = _named(tokens, CONTACT_WORDS)
    if len(named) == 1 and not _says(tokens, NEGATIONS):
        return named[0]
    return control(text)


def phone(text: str) -> Optional[str]:
    """"given" when the gateway took a number out of the text; SKIP, CANCEL; None otherwise."""
    if PHONE_PLACEHOLDER in text:
        return "given"
    if _says(words(text), NO_PHONE_WORDS) or refuses(text):
        return control(text) or SKIP
    return control(text)


def availability(text: str) -> Optional[str]:
    """morning, afternoon, evening or anytime (the first one named); SKIP, CANCEL; None."""
    tokens = words(text)
    if _says(tokens, ANYTIME_WORDS):
        return "anytime"
    named = _named(tokens, PART_OF_DAY_WORDS)
    if named and not _says(tokens, NEGATIONS):
        return named[0]
    return control(text)


def language(text: str) -> Optional[str]:
    """An ISO 639-1 code (the first language named); SKIP, CANCEL; None for an unknown
    language, or one named with a negation ("geen Nederlands")."""
    tokens = words(text)
    named = _named(tokens, LANGUAGE_NAMES)
    if named and not _says(tokens, NEGATIONS):
        return named[0]
    return control(text)


def consent(text: str) -> Optional[str]:
    """"yes" or "no"; SKIP, CANCEL; None when not understood. Sharing needs a clear yes, so
    any "no" wins ("ja, maar liever niet" is a no)."""
    said = control(text)
    tokens = words(text)
    if said == CANCEL:
        return CANCEL
    if _says(tokens, NEGATIONS):
        return "no"
    if said == SKIP:
        return SKIP
    return "yes" if _says(tokens, YES_WORDS) else None
