"""Understands the answers to the handover questions, typed or pressed, in Dutch and English.

Word lists read with actions/forms/reading.py. Each reader returns the slot value, SKIP, CANCEL,
or None when the answer is not understood. Never logs text.
"""
from __future__ import annotations

import re
from typing import Dict, List, Optional, Tuple

from actions.api.contract import PHONE_PLACEHOLDER
from actions.forms.reading import (CANCEL, NEGATIONS, SKIP, SKIP_WORDS, YES_WORDS, control, named,
                                   refuses, says, words)

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
# Whether a call is safe, and how (asked after the number): the worker may call and leave a
# voicemail or a text; call, but leave no voicemail and send no text; only text, never call.
VOICEMAIL_OK, NO_VOICEMAIL, TEXT_ONLY = "voicemail_ok", "no_voicemail", "text_only"
# Neither a call nor a text is safe: the worker writes in this chat instead.
NO_CALL = "no_call"
BACK_TO_CHAT_WORDS = ("chat", "chatten", "in de chat", "this chat")
CALL_WORDS = ("bel", "bellen", "belt", "gebeld", "opbellen", "veilig", "call", "calls", "calling",
              "ring", "phone", "safe")
VOICEMAIL_WORDS = ("inspreken", "inspreekt", "ingesproken", "spreek", "voicemail", "voicemails",
                   "voice mail", "bericht achterlaten", "leave a message", "message", "messages")
TEXT_WORDS = ("sms", "smsen", "smsje", "smsjes", "sms je", "smssen", "berichtje", "berichtjes",
              "whatsapp", "appen", "appje", "text", "texts", "texting", "txt")
ONLY_WORDS = ("alleen", "enkel", "uitsluitend", "only", "just")
ALL_WORDS = ("alles mag", "alles is goed", "alles is prima", "allemaal", "everything", "all of it",
             "all fine", "all good", "all ok")
# "liever niet" skips the other questions, but here it may mean "rather not be called": asked again.
RATHER_NOT = ("liever niet", "rather not")
# Each part of an answer says one thing: "Bellen mag, niet inspreken" is two parts. Not "maar":
# in "bel me maar niet" it belongs to the "niet".
_CLAUSE_BREAK = re.compile(r"[,;.!?/]+|\b(?:but|wel)\b", re.IGNORECASE)


def contact(text: str) -> Optional[str]:
    """chat, phone or meeting; SKIP, CANCEL; None when not understood. A negation or two ways at
    once ("niet bellen, liever chat") is asked again: better than calling someone who said no."""
    tokens = words(text)
    chosen = named(tokens, CONTACT_WORDS)
    if len(chosen) == 1 and not says(tokens, NEGATIONS):
        return chosen[0]
    return control(text)


def phone(text: str) -> Optional[str]:
    """"given" when the gateway took a number out of the text; SKIP, CANCEL; None otherwise."""
    if PHONE_PLACEHOLDER in text:
        return "given"
    if says(words(text), NO_PHONE_WORDS) or refuses(text):
        return control(text) or SKIP
    return control(text)


def availability(text: str) -> Optional[str]:
    """morning, afternoon, evening or anytime (the first one named); SKIP, CANCEL; None."""
    tokens = words(text)
    if says(tokens, ANYTIME_WORDS):
        return "anytime"
    chosen = named(tokens, PART_OF_DAY_WORDS)
    if chosen and not says(tokens, NEGATIONS):
        return chosen[0]
    return control(text)


def language(text: str) -> Optional[str]:
    """An ISO 639-1 code (the first language named); SKIP, CANCEL; None for an unknown
    language, or one named with a negation ("geen Nederlands")."""
    tokens = words(text)
    chosen = named(tokens, LANGUAGE_NAMES)
    if chosen and not says(tokens, NEGATIONS):
        return chosen[0]
    return control(text)


def consent(text: str) -> Optional[str]:
    """"yes" or "no"; SKIP, CANCEL; None when not understood. Sharing needs a clear yes, so
    any "no" wins ("ja, maar liever niet" is a no)."""
    said = control(text)
    tokens = words(text)
    if said == CANCEL:
        return CANCEL
    if says(tokens, NEGATIONS):
        return "no"
    if said == SKIP:
        return SKIP
    return "yes" if says(tokens, YES_WORDS) else None


def _ways(text: str) -> Dict[str, bool]:
    """Per way of contact (call, voicemail, text) the answer names: allowed (True) or not
    (False). A negation counts for every way in its part of the answer ("niet inspreken of
    sms'en"); "alleen"/"only" next to a way rules the other ways out."""
    found: Dict[str, bool] = {}
    before: List[str] = []  # the ways the previous part named
    for clause in _CLAUSE_BREAK.split(text.replace("'", "").replace("’", "")):
        tokens = words(clause)
        if not tokens:
            continue
        named = [way for way, phrases in (("call", CALL_WORDS), ("voicemail", VOICEMAIL_WORDS),
                                          ("text", TEXT_WORDS)) if says(tokens, phrases)]
        allowed = not says(tokens, NEGATIONS)
        if not named and not allowed and (says(tokens, RATHER_NOT) or not says(tokens, SKIP_WORDS)):
            # "Bellen? Liever niet." A bare "nee" answers "Is het veilig als we bellen?"
            # ("weet ik niet" skips it).
            named = before or ["call"]
        for way in named:
            # Once not allowed, a later "yes" does not allow it again.
            found[way] = found.get(way, True) and allowed
        if allowed and len(named) == 1 and says(tokens, ONLY_WORDS):
            for other in {"call", "voicemail", "text"} - set(named):
                found[other] = False
        before = named
    return found


def call_safety(text: str) -> Optional[str]:
    """VOICEMAIL_OK, NO_VOICEMAIL, TEXT_ONLY, or NO_CALL (rather the chat); SKIP, CANCEL; None
    when not understood.
    When in doubt the answer that leaves fewer traces on the phone wins, or the question is
    asked again: a voicemail heard by the wrong person can put someone in danger."""
    said = control(text)
    if said == CANCEL:
        return CANCEL
    tokens = words(text)
    ways = _ways(text)
    back_to_chat = says(tokens, BACK_TO_CHAT_WORDS)
    if ways.get("call") is False:
        # No calls: only a text, if one is allowed; neither, or the chat named: the chat.
        if ways.get("text") and ways.get("voicemail") is not True:
            return TEXT_ONLY
        return NO_CALL if back_to_chat or ways.get("text") is False else None
    if back_to_chat and not any(ways.values()):
        return NO_CALL
    if ways.get("voicemail") is False or ways.get("text") is False:
        return NO_VOICEMAIL
    if ways.get("voicemail") or (says(tokens, ALL_WORDS) and not says(tokens, NEGATIONS)):
        return VOICEMAIL_OK
    if ways.get("call"):
        return NO_VOICEMAIL  # a call is fine; nothing was said about messages
    if ways.get("text"):
        return None  # a text is fine, but a call? asked again
    if said == SKIP and not says(tokens, RATHER_NOT):
        return SKIP
    if said is None and not ways and says(tokens, YES_WORDS):
        return NO_VOICEMAIL  # "ja": the call is safe
    return None

