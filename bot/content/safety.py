"""Which answers are safety answers, and what they may name.

Safety answers are the crisis answers, the help lines, and the answers that carry the safety lines
when the assistant cannot help (a flood, Rasa down). A change to one is served only after a second
person approves it (bot.approvals); and whoever approves it, the phone numbers and websites in it
must be on the reviewed list in data/safety_contacts.yml, which changes only in git. So a phished
editor account cannot swap 112 or CoMensha for an abuser's number. Never reads the database.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from bot import yaml_files
from bot.content.schema import RULE_PLACEHOLDER, Answer, ContentError

SAFETY_FILES = frozenset({"crisis.yml", "helpline.yml"})
# Answers elsewhere that name the safety lines: the gateway's own answers when it cannot ask Rasa.
SAFETY_KEYS = frozenset({"utter_slow_down", "utter_service_unavailable"})
SAFETY_CONTACTS_FILE = Path("data/safety_contacts.yml")

# Between the digits of a phone number: a space, a dash (spaces around it allowed) or a dot:
# "033 448 11 86", "0800-2000", "06 - 1234 5678", "033.448.11.86".
_SEPARATOR = r"(?: ?- ?| |\.(?=\d))"
_DIGIT_RUN = re.compile(rf"(?<![\w+])(?:\+|\b)\d(?:{_SEPARATOR}?\d)*")
# A three-digit number from 1: the emergency and short numbers (112, 113); not a year or a date.
_SHORT_NUMBER = re.compile(r"1\d\d")
# Seven digits at least from 0 or +: every Dutch subscriber, service and mobile number.
_MIN_PHONE_DIGITS = 7
# Nine digits or more are a phone number whatever they start with ("6 12345678" without its 0).
_MIN_BARE_PHONE_DIGITS = 9
# A website or an e-mail address's domain: "113.nl", "https://www.chatmetfier.nl/…", "x@y.nl".
_DOMAIN = re.compile(r"(?i)(?<![\w.-])(?:https?://)?((?:[a-z0-9-]+\.)+[a-z]{2,})(?![\w-])")


def is_safety_answer(key: str, file_name: str) -> bool:
    return file_name in SAFETY_FILES or key in SAFETY_KEYS


def _looks_like_phone(written: str) -> bool:
    digits = re.sub(r"\D", "", written)
    return bool(_SHORT_NUMBER.fullmatch(digits) or len(digits) >= _MIN_BARE_PHONE_DIGITS
                or (written[0] in "0+" and len(digits) >= _MIN_PHONE_DIGITS))


def unlisted_numbers(text: str, listed: frozenset[str]) -> list[str]:
    """The phone numbers in `text`, as written, that are not among the digit strings `listed`.

    The listed numbers are taken out first, however they are grouped ("0800-2000", "0800 2000"),
    so a number right after one ("0800-2000 24/7") is not read as part of it. A listed number
    written another way (+31 for the 0) is unlisted: the editor writes it as the list does."""
    rest = text
    for number in sorted(listed, key=len, reverse=True):
        rest = re.sub(rf"(?<![\d+]){(_SEPARATOR + '?').join(number)}(?!\d)", " ", rest)
    return [match.group(0) for match in _DIGIT_RUN.finditer(rest) if _looks_like_phone(match.group(0))]


def domains(text: str) -> list[str]:
    """The websites and e-mail domains a text names, lower case, without "www."."""
    return [match.group(1).lower().removeprefix("www.") for match in _DOMAIN.finditer(text)]


@dataclass(frozen=True)
class SafetyContacts:
    """The reviewed phone numbers (as digits) and websites a safety answer may name."""

    numbers: frozenset[str]
    websites: frozenset[str]

    @classmethod
    def from_file(cls, path: Path = SAFETY_CONTACTS_FILE) -> SafetyContacts:
        raw = yaml_files.load(path.read_text(encoding="utf-8")) or {}
        numbers = frozenset(re.sub(r"\D", "", str(entry)) for entry in raw.get("phone_numbers") or [])
        return cls(numbers, frozenset(str(site).lower() for site in raw.get("websites") or []))

    def check(self, answer: Answer) -> None:
        """Raises ContentError naming the first number or website that is not on the list."""
        for language, variant in answer.variants.items():
            where = f"{answer.key} ({language})"
            if RULE_PLACEHOLDER.search(variant.text):
                # A yearly figure is changed by one editor alone (bot.checks.editing).
                raise ContentError(f"{where}: a safety answer cannot use a yearly figure {{rule:…}}")
            for number in unlisted_numbers(variant.text, self.numbers):
                raise ContentError(f"{where}: phone number {number} is not on the list of safety "
                                   "numbers (data/safety_contacts.yml)")
            for site in domains(variant.text):
                if not any(site == known or site.endswith("." + known) for known in self.websites):
                    raise ContentError(f"{where}: website {site} is not on the list of safety websites "
                                       "(data/safety_contacts.yml)")
