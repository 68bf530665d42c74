"""Finds Dutch addresses: a postcode ("1012 JM", with or without the house number after it) and a
street with its house number ("Damstraat 12", "Laan van Meerdervoort 40", "2e Hugo de Grootstraat
7-II"), in either order with the postcode and the city. The city itself is not personal data and
stays. Regular expressions on the raw text, compiled once. Never logs its input.
"""
from __future__ import annotations

import re

from bot.privacy.finding import Finding
from bot.privacy.public_names import PublicNames

_POSTCODE = re.compile(r"(?<![\w.,/€$-])([1-9]\d{3})(\s?)([A-Za-z]{2})(?![\w€%])")
# Postcode letters never used.
_UNUSED_LETTERS = frozenset({"sa", "sd", "ss"})
# Two lower-case letters after four digits that are a word or unit, not a postcode ("2024 en").
NOT_POSTCODE_LETTERS = frozenset("""
en of in op is at to me we je ik de om na an on or as so no my by be do he it up us am if ze zo al nu
er te ga ja nl eu km kg cm mm ml gb mb kb pm uu ex bv mr ms vs ca pp hr cc ok xx ps pc tv dm st
nr tm wk mg kw
""".split())
# Words just before a postcode written in lower case with a space, which say it is one.
_POSTCODE_CUE = re.compile(r"(?:postcode|post code|zip|zip code|zipcode|adres|address|woon\w*|"
                           r"live|living|wonen|pc)\W{0,3}$", re.IGNORECASE)

# What may follow a postcode or a street as its house number: "12", "12a", "12-3", "12 A",
# "40 bis", "12 bg", "3hs", "12-II", "2-hoog", "12 3 hoog", "nr. 5", "huisnummer 3".
_NUMBER_WORD = r"(?:(?:huis)?(?:nr|nummer|no|number|huisnr)\.?:?\s*|house\s+number:?\s*)"
_HOUSE_NUMBER = (
    r"\d{1,4}"
    r"(?:(?:[A-Za-z]{1,2}|bis)(?:-\d{1,3})?(?![\w])"  # 12a, 3hs, 12bg, 7bis, 12A-1
    r"|(?:[-/](?:\d{1,3}|I{1,3}|IV|H|hs|bg|bis|hoog|huis|boven|beneden)){1,2}(?![\w])"  # 12-3, 7-II, 5-2-hoog
    r"|\s(?:bis|bg|hs|huis|boven|beneden|zw|I{1,3}|IV|[A-H])(?![\w])"  # 40 bis, 12 bg, 12 A
    r")?"
    r"(?:\s(?:\d\s?(?:hg|hoog|e\s+etage|e\s+verdieping)))?"  # 12 3 hoog
)
# A number followed by one of these is an amount, a time or a count, not a house number.
_NOT_HOUSE = re.compile(
    r"\s*(?:[.,:]\d|%|€|x\b|(?:km|kilometer|meter|m|min|minuten|minuut|uur|uurtjes|jaar|jaren|jr|"
    r"dagen|dag|weken|week|maanden|maand|keer|euro|eur|procent|mensen|vrouwen|meiden|klanten|kg|"
    r"liter|stuks|kamers|seconden|years?|days?|weeks?|months?|times|hours?|minutes?|people|girls|"
    r"clients|euros?|miles|pm|am)\b)", re.IGNORECASE)

# Endings of a street's name. Capitalised words may have any of them; a word in lower case only
# the unmistakable ones ("arbeidsmarkt 2 jaar", "bijbaan 2 dagen" are no addresses).
_SUFFIXES = ("straat|laan|weg|plein|gracht|kade|singel|dijk|hof|dreef|pad|steeg|markt|park|"
             "plantsoen|burgwal|dam|kanaal|boulevard|allee|baan|ring|wal|haven|veld|erf|kaai|"
             "poort|brug|weide|akker|gaarde|hout|berg|heuvel|oord|horst|kamp|donk|rade|lei|"
             "promenade|passage|galerij|zijde|wetering|vaart|sloot|diep|werf|hoven|tuin|tuinen|"
             "straatje|laantje|pleintje|steegje|hofje|dijkje|dwarsstraat|zuid|noord|oost|west")
_LOWER_SUFFIXES = "straat|laan|weg|plein|gracht|kade|singel|dijk|dreef|steeg|burgwal|plantsoen|boulevard"
# Streets with a name and no ending, where people live and work.
ONE_WORD_STREETS = ("damrak|rokin|spui|neude|westeinde|overtoom|weena|meent|binnenrotte|stratumseind|"
                    "vredenburg|oudezijds achterburgwal|oudezijds voorburgwal|lange poten|korte poten")
# "Grote Markt", "Oude Gracht": an adjective and the ending as a word of its own.
_ADJECTIVE_STREET = (r"(?:Grote|Kleine|Oude|Nieuwe|Korte|Lange|Hoge|Lage|Brede|Achter|Voor|Binnen|Buiten)"
                     r"\s+(?:Markt|Gracht|Straat|Weg|Haven|Dijk|Kade|Singel|Plein|Laan|Wal|Burgwal|Dam|Hout)")
# An address shouted in capitals: "KINKERSTRAAT 210-2".
_UPPER_SUFFIXES = _LOWER_SUFFIXES.upper() + "|MARKT|HAVEN"
# "Laan van Meerdervoort", "Weg der Verenigde Naties": the ending comes first.
_LEADING = "Laan|Weg|Plein|Kade|Straat|Singel|Gracht|Dijk|Hof|Markt|Park|Dreef|Steeg|Burgwal|Boulevard"
_TUSSEN = r"(?:van|de|der|den|het|'t|ter|ten|te|op|aan|in|bij|la|le|du|des)"
# Capitalised words that start a sentence before a street, never part of its name.
_SENTENCE_WORDS = frozenset({"ik", "i", "wij", "we", "mijn", "my", "ons", "our", "adres", "address", "woon",
                             "live", "op", "at", "in", "naar", "to", "de", "het", "the", "hij", "zij", "ze",
                             "hallo", "hoi", "hi", "hey", "straat", "street"})
_CAPITAL_WORD = r"(?:[A-Z][\w'’]*(?:-[A-Z]?[\w'’]+)*\.?)"
_ORDINAL = r"(?:\d{1,2}(?:e|ste|de)|Eerste|Tweede|Derde|Vierde|Vijfde|Nieuwe|Oude|Korte|Lange|Sint|St\.?)"
_STREET = re.compile(
    rf"(?<![\w-])(?:"
    # Words before the street word: "2e Hugo de", "Burgemeester de", "Oudezijds".
    # At most four: a longer run of capitalised words would make the search slow, not better.
    rf"(?P<lead>(?:(?:{_ORDINAL}|{_CAPITAL_WORD})\s+(?:{_TUSSEN}\s+){{0,2}}){{0,4}})"
    rf"(?P<core>{_ADJECTIVE_STREET}|[A-Z][\w'’-]*(?:{_SUFFIXES})|[a-z][\w'’-]*(?:{_LOWER_SUFFIXES})|"
    rf"[A-Z][A-Z'’-]*(?:{_UPPER_SUFFIXES})|"
    rf"(?i:{ONE_WORD_STREETS})|(?:{_LEADING})(?:\s+{_TUSSEN}){{1,2}}(?:\s+{_CAPITAL_WORD}){{1,3}})"
    rf")\s*,?\s*(?P<number>{_NUMBER_WORD}?{_HOUSE_NUMBER})(?![\w-])")


class Addresses:
    """Postcodes and streets with their house number; places and organisations are left alone."""

    def __init__(self, public: PublicNames) -> None:
        self._public = public

    def find(self, text: str) -> list[Finding]:
        return self._postcodes(text) + self._streets(text)

    def _postcodes(self, text: str) -> list[Finding]:
        found = []
        for match in _POSTCODE.finditer(text):
            digits, space, letters = match.groups()
            if letters.lower() in _UNUSED_LETTERS or letters.lower() in NOT_POSTCODE_LETTERS \
                    and not letters.isupper():
                continue
            end = match.end()
            number = re.match(rf"\s*,?\s*{_NUMBER_WORD}?({_HOUSE_NUMBER})(?![\w-])", text[end:])
            if number and not _NOT_HOUSE.match(text, end + number.end()):
                end += number.end()
            elif space and letters.islower() and not _POSTCODE_CUE.search(text[:match.start()]) \
                    and not self._place_follows(text, match.end()):
                continue  # "ik betaal 1012 km" is no postcode; "postcode 1012 jm" is
            found.append(Finding("postcode", match.start(), end))
        return found

    def _streets(self, text: str) -> list[Finding]:
        found = []
        for match in _STREET.finditer(text):
            if _NOT_HOUSE.match(text, match.end()):
                continue
            start = self._without_leading_words(text, match.start(), match.start("core"))
            core = text[match.start("core"):match.end("core")]
            if self._public.is_place(core) or core.lower() in self._public.organisations:
                continue  # "Amsterdam 12", "Rotterdam 2025"
            found.append(Finding("address", start, match.end("number")))
        return found

    def _without_leading_words(self, text: str, start: int, core: int) -> int:
        """Where the street's name starts: the capitalised words and ordinals right before the
        street word ("2e Hugo de", "Burgemeester de"), not a place, a postcode's letters or a
        sentence's first word before them ("3021 AB Rotterdam Mathenesserlaan", "Ik woon ...")."""
        first = None
        for word in re.finditer(r"\S+", text[start:core]):
            token = word.group().strip(",.")
            if re.fullmatch(_ORDINAL, token) or token[:1].isupper() and not self._public.is_place(token) \
                    and token.lower() not in _SENTENCE_WORDS and not re.fullmatch(r"[A-Z]{2}", token):
                first = start + word.start() if first is None else first
            elif first is None or not re.fullmatch(_TUSSEN, token):
                first = None
        return core if first is None else first

    def _place_follows(self, text: str, end: int) -> bool:
        """Whether a place follows ("1012 jm amsterdam"), in one to three words."""
        following = re.match(r"[\s,]+([^\W\d_][\w'’-]*(?:\s+[^\W\d_][\w'’-]*){0,2})", text[end:])
        if not following:
            return False
        words = following.group(1).split()
        return any(self._public.is_place(" ".join(words[:n])) for n in range(1, len(words) + 1))

