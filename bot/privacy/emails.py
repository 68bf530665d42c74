"""Finds e-mail addresses written so that a filter would miss them: "anna(at)example(dot)com",
"anna [at] example [dot] com", "anna at gmail punt com", "anna @ example.com", "anna@hotmail".

Plain addresses are the spaCy matcher's (bot/privacy/redactor.py). Never logs its input.
"""
from __future__ import annotations

import re

from bot.privacy.finding import Finding

_LOCAL = r"[A-Za-z0-9][\w.+-]*"
# "(at)", "[at]", "{at}", "<at>", "(@)", "(a)"; " at ", " AT ", " apenstaartje "; "@" with spaces.
_AT = (r"(?:\s*[(\[{<]\s*(?:at|@|a|apenstaartje)\s*[)\]}>]\s*"
       r"|\s+(?:at|apenstaartje|apestaartje)\s+|\s*@\s*)")
# "at" as a plain word: "chat at 113.nl" is a website. Only with a spelled-out dot or a mail
# provider is it an address ("anna at gmail.com", "anna at example dot com").
_WORD_AT = re.compile(r"^[^(\[{<@]*\s(?:at|apenstaartje|apestaartje)\s", re.IGNORECASE)
_SPELLED_DOT = re.compile(r"[(\[{<]\s*(?:dot|punt|\.)\s*[)\]}>]|\s(?:dot|punt)\s", re.IGNORECASE)
_LABEL = r"[A-Za-z0-9][\w-]*"
_DOT = r"(?:\s*[(\[{<]\s*(?:dot|punt|\.)\s*[)\]}>]\s*|[ \t]+(?:dot|punt)[ \t]+|[ \t]\.[ \t]|\.)"
# Top-level domains of the addresses users have: Dutch, their home countries', the generic ones.
_TLD = (r"(?:com|nl|net|org|be|de|eu|info|ro|bg|pl|hu|tr|ma|sr|es|fr|uk|it|pt|br|co|ru|ua|th|ng|"
        r"io|me|nu|biz|email|online|live|cz|sk|lt|lv|al|md|gr|at|ch|us|ca|mx|ve|do|gh|vn|ph|cn)")
# Mail providers: "anna@hotmail" or "anna at gmail" without a top-level domain is still an address.
_PROVIDERS = r"(?:gmail|googlemail|hotmail|outlook|yahoo|icloud|msn|ziggo|kpnmail|kpnplanet|protonmail|gmx|yandex)"

_PROVIDER = re.compile(rf"\s{_PROVIDERS}\b", re.IGNORECASE)
# The part before the "at" may have spelled-out dots too: "fleur punt devries at gmail punt com".
_LOCAL_PARTS = rf"{_LOCAL}(?:\s+(?:dot|punt)\s+{_LOCAL}|\s*[(\[{{<]\s*(?:dot|punt)\s*[)\]}}>]\s*{_LOCAL})*"
_SPELLED_OUT = re.compile(
    rf"(?<![\w.+'’-]){_LOCAL_PARTS}{_AT}(?:{_LABEL}{_DOT})+{_TLD}(?![\w-])"
    rf"|(?<![\w.+'’-]){_LOCAL_PARTS}{_AT}{_PROVIDERS}(?![\w-])",
    re.IGNORECASE)
# "mail me at gmail.com" names a provider, not an address.
_NOT_LOCAL = frozenset({"me", "i", "ik", "is", "we", "you", "it", "mail", "email", "e-mail", "mailen",
                        "here", "there", "work", "home", "hier", "thuis", "im", "i'm", "am"})


class SpelledOutEmails:
    """Each address written around a filter, from its first to its last character."""

    def find(self, text: str) -> list[Finding]:
        found = []
        for match in _SPELLED_OUT.finditer(text):
            local = re.split(r"[\s(\[{<@]", match.group(), maxsplit=1)[0]  # its first word
            if local.lower() in _NOT_LOCAL:
                continue
            if _WORD_AT.match(match.group()) and not _SPELLED_DOT.search(match.group()) \
                    and not _PROVIDER.search(match.group()):
                continue
            found.append(Finding("email", match.start(), match.end()))
        return found
