"""Understands the answers to the guided checks' questions, typed or pressed, in Dutch
and English.

Small word lists, no model, like actions/handover_answers.py (whose helpers it reuses): a reply
button sends the same words a person would type. Each reader returns the slot value, SKIP,
CANCEL, or None when the answer is not understood. Never logs text.
"""
from __future__ import annotations

from typing import Callable, Dict, Optional, Sequence, Tuple

from actions.handover_answers import (CANCEL, NEGATIONS, SKIP, YES_WORDS, _named, _says, control,
                                      words)

__all__ = ["CANCEL", "SKIP", "READERS", "age", "registered", "work", "household", "savings", "rating",
           "yes_no", "debt_kinds", "threat", "situation", "safe", "leaving", "status", "books"]

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
DEBT_KIND_WORDS: Dict[str, Tuple[str, ...]] = {
    "tax": ("belasting", "belastingdienst", "belastingen", "toeslag", "toeslagen", "btw", "tax", "taxes"),
    "health_insurance": ("zorgverzekering", "zorgverzekeraar", "verzekering", "cak", "health insurance",
                         "insurance"),
    "rent": ("huur", "huurachterstand", "verhuurder", "rent", "landlord"),
    "energy": ("energie", "gas", "stroom", "licht", "water", "energy", "electricity"),
    "loans": ("lening", "leningen", "krediet", "rood staan", "roodstand", "creditcard", "klarna",
              "achteraf betalen", "loan", "loans", "credit", "overdraft"),
    "fines": ("boete", "boetes", "cjib", "bekeuring", "fine", "fines", "ticket"),
    "several": ("meerdere", "veel", "allemaal", "van alles", "several", "many", "lots", "all of them"),
    "other": ("anders", "iets anders", "other", "something else"),
}
THREAT_WORDS: Dict[str, Tuple[str, ...]] = {
    "eviction": ("uithuiszetting", "uit huis", "uit mijn huis", "huis uit", "ontruiming", "ontruimd",
                 "eruit gezet", "uitgezet", "eviction", "evicted", "kicked out", "my home"),
    "cutoff": ("afsluiting", "afgesloten", "afsluiten", "gas", "stroom", "licht", "water", "energie",
               "cut off", "cutoff", "disconnected", "energy", "power"),
}
SITUATION_WORDS: Dict[str, Tuple[str, ...]] = {
    "no_fixed": ("geen vaste", "geen vast", "geen huis", "geen woning", "dakloos", "straat", "nergens",
                 "no fixed", "homeless", "nowhere", "street", "no home"),
    "workplace": ("werkplek", "op mijn werk", "op het werk", "club", "bordeel", "raam",
                  "privehuis", "workplace", "at work", "where i work", "brothel"),
    "with_others": ("bij anderen", "bij iemand", "bij vrienden", "bij een vriend", "bij een vriendin",
                    "bij familie", "bij mijn", "logeer", "logeren", "with others", "with friends", "with family",
                    "with someone", "couch"),
    "own": ("eigen", "mijn huis", "huurhuis", "huurwoning", "koophuis", "kamer", "own place", "my own",
            "own home", "my place", "a room"),
}
LEAVING_WORDS: Dict[str, Tuple[str, ...]] = {
    "days": ("dagen", "dag", "vandaag", "morgen", "vannacht", "deze week", "days", "today",
             "tomorrow", "tonight", "this week"),
    "weeks": ("weken", "week", "maand", "maanden", "weeks", "month", "months"),
}
STATUS_WORDS: Dict[str, Tuple[str, ...]] = {
    "not_yet": ("nog niet", "nog bezig", "werk nog", "not yet", "still working", "still work"),
    "deregistered": ("uitgeschreven", "uitschreven", "uitgeschreven bij de kvk", "deregistered",
                     "unregistered", "deregister"),
    "stopped": ("gestopt", "al gestopt", "stopped", "already stopped", "quit", "klaar"),
}
PARTLY_WORDS = ("deels", "gedeeltelijk", "een deel", "beetje", "sommige", "niet alles", "partly",
                "some", "part of it", "not all")
SAFE_WORDS = ("veilig", "safe")
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


def _stop_unknown_or_skip(text: str) -> Optional[str]:
    """CANCEL, "unknown" or SKIP, in that order ("weet ik niet" answers, it does not skip)."""
    said = control(text)
    if said == CANCEL:
        return CANCEL
    return "unknown" if _says(words(text), UNKNOWN_WORDS) else said


def _yes_no_unknown(text: str) -> Optional[str]:
    said = _stop_unknown_or_skip(text)
    if said is not None:
        return said
    tokens = words(text)
    if _says(tokens, NEGATIONS):
        return "no"
    return "yes" if _says(tokens, YES_WORDS) else None


def yes_no(text: str) -> Optional[str]:
    """yes | no | unknown."""
    return _yes_no_unknown(text)


def registered(text: str) -> Optional[str]:
    """yes | no | unknown: registered in a Dutch gemeente with a BSN."""
    if _says(words(text), ("bsn", "ingeschreven", "registered")) and not _says(words(text), NEGATIONS):
        return "yes"
    return _yes_no_unknown(text)


def safe(text: str) -> Optional[str]:
    """yes | no | unknown: safe where they live ("niet veilig" is a no)."""
    tokens = words(text)
    if _says(tokens, SAFE_WORDS) and not _says(tokens, NEGATIONS) and control(text) is None:
        return "yes"
    return _yes_no_unknown(text)


def debt_kinds(text: str) -> Optional[str]:
    """The kinds of debt named, comma-separated in the order named ("rent,energy"); "several"
    when they say there are many."""
    said = control(text)
    if said is not None:
        return said
    named = _named(words(text), DEBT_KIND_WORDS)
    return ",".join(named) if named else None


def _starts_with_no(tokens: Sequence[str]) -> bool:
    """"Nee, ..." answers the question, whatever follows ("nee, nu niet")."""
    return bool(tokens) and tokens[0] in NEGATIONS


def threat(text: str) -> Optional[str]:
    """eviction | cutoff | yes (one of them, not said which) | no | unknown. Eviction first when
    both are named: it is the one that takes the roof."""
    said = _stop_unknown_or_skip(text)
    if said is not None:
        return said
    tokens = words(text)
    if _starts_with_no(tokens):
        return "no"
    for value in ("eviction", "cutoff"):
        if _says(tokens, THREAT_WORDS[value]):
            return value
    if _says(tokens, NEGATIONS):
        return "no"
    return "yes" if _says(tokens, YES_WORDS) else None


def _first_in_order(options: Dict[str, Tuple[str, ...]]) -> Callable[[str], Optional[str]]:
    """A reader for options that can overlap: the first option (in the dict's order) named wins,
    wherever in the text it is."""
    def read(text: str) -> Optional[str]:
        said = control(text)
        if said is not None:
            return said
        tokens = words(text)
        return next((value for value, phrases in options.items() if _says(tokens, phrases)), None)
    return read


# Where they live: no fixed address wins ("geen vaste plek, soms bij vrienden" is about having no home).
situation = _first_in_order(SITUATION_WORDS)
# "Nog niet gestopt" is not yet; deregistered beats stopped.
status = _first_in_order(STATUS_WORDS)


def leaving(text: str) -> Optional[str]:
    """Must leave soon: days | weeks | no | unknown."""
    said = _stop_unknown_or_skip(text)
    if said is not None:
        return said
    tokens = words(text)
    named = _named(tokens, LEAVING_WORDS)
    if named and not _starts_with_no(tokens):
        return named[0]
    return "no" if _says(tokens, NEGATIONS) else None


def books(text: str) -> Optional[str]:
    """yes | partly | no | unknown: the administration is still there."""
    if _says(words(text), PARTLY_WORDS) and control(text) is None:
        return "partly"
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

savings = yes_no  # savings above the asset limit

READERS: Dict[str, Callable[[str], Optional[str]]] = {
    "income_age": age, "income_registered": registered, "income_work": work,
    "income_household": household, "income_savings": savings,
    "debt_kinds": debt_kinds, "debt_bailiff": yes_no, "debt_threat": threat, "debt_attachment": yes_no,
    "housing_situation": situation, "housing_safe": safe, "housing_leaving": leaving,
    "housing_registered": registered, "housing_seeker": yes_no,
    "stop_work": work, "stop_status": status, "stop_income": yes_no, "stop_btw": yes_no,
    "stop_books": books,
}
