"""Redacts personal data before text leaves the gateway: phone numbers, e-mail (also spelled out),
IBAN, BSN (with the 11-check), addresses and postcodes, people's names, personal links and @handles.

spaCy's Dutch tokenizer and rule-based Matcher find the candidates; checksums and digit counts
decide. Addresses, spelled-out e-mails and names have their own modules beside this one, built
once with the redactor. Placeholders keep the sentence readable for the NLU. Never logs its input.
"""
from __future__ import annotations

import re
from typing import cast

import spacy
from spacy.matcher import Matcher
from spacy.tokenizer import Tokenizer
from spacy.tokens import Doc, Span

from bot.internal_contract import PHONE_PLACEHOLDER
from bot.privacy.addresses import Addresses
from bot.privacy.emails import SpelledOutEmails
from bot.privacy.finding import Finding
from bot.privacy.names import PersonNames
from bot.privacy.public_names import PublicNames

PLACEHOLDERS = {
    "phone": PHONE_PLACEHOLDER, "email": "[e-mail]", "iban": "[iban]", "bsn": "[bsn]",
    "postcode": "[postcode]", "address": "[adres]", "name": "[naam]", "url": "[link]", "handle": "[naam]",
}
# Public services the assistant itself names: not personal data, and users quote them.
PUBLIC_DOMAINS = frozenset({
    "werk.nl", "113.nl", "rijksoverheid.nl", "chatmetfier.nl", "kvk.nl", "belastingdienst.nl",
    "digid.nl", "geldfit.nl", "toeslagen.nl", "duo.nl", "uwv.nl", "juridischloket.nl",
    "ondernemersplein.nl", "government.nl", "comensha.nl", "veiligthuis.nl", "justis.nl",
    "mijnoverheid.nl", "ggd.nl", "sense.info", "fier.nl", "meldmisdaadanoniem.nl",
    "cjib.nl", "helpwanted.nl", "justid.nl",
    # Mail providers: "my mail is on gmail.com" names no one.
    "gmail.com", "hotmail.com", "outlook.com", "yahoo.com", "icloud.com", "live.nl", "hotmail.nl",
    "ziggo.nl", "kpnmail.nl", "gmx.de", "protonmail.com", "proton.me",
})
PUBLIC_NUMBERS = frozenset({"0334481186", "0881236555"})  # CoMensha, DigiD helpdesk (10 digits)

# A token of a phone number or BSN: digits with separators, a bracketed area code, or a dash.
_NUMBER_PART = re.compile(r"^((\+|00)?\(?\d[\d\-–./()]*|[()\-–])$")
# Glued tokens users type ("tel:0612345678", "bsn191833137", "mail=kim@x.nl", "whatsapp+316...").
# spaCy keeps URLs whole before it applies infixes, so links are not cut.
_EXTRA_INFIXES = [
    r"(?<=[A-Za-z.])[:=](?=[\w+])",
    r"(?<=[\w)]),(?=[A-Za-z+]|\d{5,})",
    r"(?<=[A-Za-z])\((?=\S)",
    r"(?<=[A-Za-z])(?=\+\d)",
    r"(?<=[A-Za-z]{3})(?=\d{8,})",  # three letters: "DE13..." stays one IBAN token
]
# The most tokens one phone number or BSN has ("+31 (0)6 12 34 56 78" is 9): longer runs of
# numbers are split into parts of at most this many, so a message of 2,000 digits stays fast.
_MAX_NUMBER_TOKENS = 12
_FILE_SUFFIXES = (".pdf", ".jpg", ".jpeg", ".png", ".doc", ".docx", ".txt", ".xls", ".xlsx",
                  ".zip", ".mp4", ".heic")


def bsn_is_valid(digits: str) -> bool:
    if len(digits) != 9 or digits == "0" * 9:
        return False
    total = sum(int(d) * w for d, w in zip(digits, (9, 8, 7, 6, 5, 4, 3, 2, -1), strict=True))
    return total % 11 == 0


def iban_is_valid(candidate: str) -> bool:
    iban = candidate.replace(" ", "").upper()
    if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{11,30}", iban):
        return False
    rearranged = iban[4:] + iban[:4]
    return int("".join(str(int(c, 36)) for c in rearranged)) % 97 == 1


def is_phone_number(text: str) -> bool:
    digits = re.sub(r"\D", "", text)
    stripped = text.lstrip("(")
    if stripped.startswith("+"):  # country codes never start with 0
        return 8 <= len(digits) <= 15 and digits[0] != "0"
    if stripped.startswith("00"):
        return 10 <= len(digits) <= 17 and digits[2] != "0"
    return stripped.startswith("0") and len(digits) == 10 and digits not in PUBLIC_NUMBERS


class Redactor:
    def __init__(self) -> None:
        self._nlp = spacy.blank("nl")
        tokenizer = cast(Tokenizer, self._nlp.tokenizer)  # a blank pipeline has spaCy's own
        infixes = list(self._nlp.Defaults.infixes or ()) + _EXTRA_INFIXES
        tokenizer.infix_finditer = spacy.util.compile_infix_regex(infixes).finditer
        # spaCy keeps "user@host" whole as a URL, so "mail=kim@x.nl" would never be cut.
        url_match = tokenizer.url_match
        tokenizer.url_match = lambda text: None if "@" in text else url_match(text)
        matcher = Matcher(self._nlp.vocab)
        matcher.add("iban", [[
            {"TEXT": {"REGEX": r"^[A-Za-z]{2}\d{2}[A-Za-z0-9]*$"}},
            # An IBAN has at most 34 characters: the country and check digits, then 8 groups or fewer.
            {"TEXT": {"REGEX": r"^[A-Za-z0-9]{1,30}$"}, "OP": "{0,8}"},
        ]])
        # The tokenizer cuts hyphenated names ("roxy-ams@x.com"); glue up to two parts back on.
        part, dash = {"TEXT": {"REGEX": r"^[\w.+]+$"}}, {"ORTH": "-"}
        matcher.add("email", [[{"LIKE_EMAIL": True}], [part, dash, {"LIKE_EMAIL": True}],
                              [part, dash, part, dash, {"LIKE_EMAIL": True}]])
        matcher.add("url", [
            [{"LIKE_URL": True}], [{"TEXT": {"REGEX": r"^(https?://|www\.)\S+"}}],
            [{"TEXT": {"REGEX": r"^[\w.-]+\.(com|nl|net|org|be|de|eu|io|me|tv|app|info|co)/\S*$"}}],
        ])
        matcher.add("handle", [[{"TEXT": {"REGEX": r"^@[A-Za-z0-9_][A-Za-z0-9_.]{1,29}$"}}]])
        self._matcher = matcher
        public = PublicNames()
        self._addresses = Addresses(public)
        self._emails = SpelledOutEmails()
        self._names = PersonNames(public)

    def find(self, text: str) -> list[Finding]:
        doc = self._nlp(text)
        findings: list[Finding] = []
        for match_id, start, end in self._matcher(doc):
            label = self._nlp.vocab.strings[match_id]
            span = doc[start:end]
            findings.extend(getattr(self, f"_check_{label}")(doc, span))
        for span in _number_runs(doc):
            findings.extend(self._check_number(doc, span))
        findings += self._addresses.find(text) + self._emails.find(text) + self._names.find(doc)
        return _without_overlaps(findings)

    def first_phone(self, text: str) -> str | None:
        """The phone number in an answer to "which number may we call?", as typed."""
        phones = [f for f in self.find(text) if f.kind == "phone"]
        return text[phones[0].start:phones[0].end] if phones else None

    def redact(self, text: str) -> str:
        """The text with every finding replaced by its placeholder."""
        parts, cursor = [], 0
        for finding in self.find(text):
            parts.append(text[cursor:finding.start])
            parts.append(PLACEHOLDERS[finding.kind])
            cursor = finding.end
        parts.append(text[cursor:])
        return "".join(parts)

    # Each check gets a candidate span and returns what it really is.

    def _check_number(self, doc: Doc, span: Span) -> list[Finding]:
        """Splits a run of number tokens into phone numbers and BSNs, longest first."""
        found = []
        # Character offsets of each token: slicing the text is far cheaper than making Spans.
        tokens = [(token.idx, token.idx + len(token.text)) for token in span]
        whole = doc.text  # built anew on every access
        i = 0
        while i < len(tokens):
            for j in range(min(len(tokens), i + _MAX_NUMBER_TOKENS), i, -1):
                part = whole[tokens[i][0]:tokens[j - 1][1]]
                text = part.lstrip(".,-–/) ").rstrip(".,-–/( ")
                if not text:
                    continue
                digits = re.sub(r"\D", "", text)
                kind = "phone" if is_phone_number(text) else "bsn" if bsn_is_valid(digits) and \
                    re.fullmatch(r"[\d. ]+", text) else None
                if kind:
                    start = tokens[i][0] + part.index(text)
                    found.append(Finding(kind, start, start + len(text)))
                    i = j
                    break
            else:
                i += 1
        return found

    def _check_iban(self, doc: Doc, span: Span) -> list[Finding]:
        for end in range(span.end, span.start, -1):
            candidate = doc[span.start:end]
            if iban_is_valid(candidate.text):
                return [Finding("iban", candidate.start_char, candidate.end_char)]
        return []

    def _check_email(self, doc: Doc, span: Span) -> list[Finding]:
        if any(token.whitespace_ for token in span[:-1]):
            span = span[-1:]  # "naam - kim@x.nl": only the address itself
        return [Finding("email", span.start_char, span.end_char)]

    def _check_url(self, doc: Doc, span: Span) -> list[Finding]:
        text = span.text.rstrip(".,;:!?)")
        lowered = text.lower()
        host = re.sub(r"^(https?://)?(www\.)?", "", lowered).split("/")[0].split("?")[0]
        if host in PUBLIC_DOMAINS or any(host.endswith("." + d) for d in PUBLIC_DOMAINS):
            return []
        if "/" not in lowered and lowered.endswith(_FILE_SUFFIXES):  # a file name, not a link
            return []
        return [Finding("url", span.start_char, span.start_char + len(text))]

    def _check_handle(self, doc: Doc, span: Span) -> list[Finding]:
        text = span.text.rstrip(".,;:!?")
        return [Finding("handle", span.start_char, span.start_char + len(text))]


def _number_runs(doc: Doc) -> list[Span]:
    """Each longest run of tokens that may be part of a phone number or BSN. Found here, not by
    the Matcher: "OP": "+" yields every sub-run, and 2,000 digits or brackets took minutes."""
    runs, start = [], None
    for token in doc:
        if _NUMBER_PART.match(token.text):
            start = token.i if start is None else start
        elif start is not None:
            runs.append(doc[start:token.i])
            start = None
    if start is not None:
        runs.append(doc[start:len(doc)])
    return runs


def _without_overlaps(findings: list[Finding]) -> list[Finding]:
    """Longest first wins (an e-mail's domain is not also a link), then in text order."""
    chosen: list[Finding] = []
    for finding in sorted(findings, key=lambda f: (f.start - f.end, f.start)):
        if all(finding.end <= other.start or finding.start >= other.end for other in chosen):
            chosen.append(finding)
    return sorted(chosen, key=lambda f: f.start)
