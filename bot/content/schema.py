"""The shape of one answer in data/content/, and the checks every answer must pass.

Used by `bot content import` (refuse invalid files), the NLG endpoint and the tests. Never reads
files or the database itself.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from bot import internal_contract

LANGUAGES = ("nl", "en")
DEFAULT_LANGUAGE = "nl"
# One bubble, one idea, at most about 500 characters (docs/content-format.md). The checks' lists are
# joined at run time and split into bubbles of their own (bot/content/check_lists.py).
MAX_TEXT_CHARS = 500
MAX_BUTTON_TITLE_CHARS = 40
# A reply button sends its text as if typed (a form answer); short, like a typed answer.
MAX_BUTTON_REPLY_CHARS = 60
# Plain intents a button may point to; retrieval subtopics ("ask_benefits/bbz") are checked
# against the answers that exist.
PLAIN_TARGETS = frozenset(
    {"request_handover", "ask_capabilities", "ask_privacy", "forget_me", "affirm", "deny", "want_to_stop",
     "out_of_scope", "change_language", "greet", "forget_me_confirmed"}
)
# Buttons the gateway answers itself, never sent to Rasa: waiting for a worker and coming back.
GATEWAY_TARGETS = frozenset({"cancel_handover", "cancel_handover_confirmed", "keep_waiting", "resume_handover"})
PLACEHOLDER = re.compile(r"\{(\w+)\}")
# "{rule:bijstand_norm_single_21}": a yearly figure of data/check_rules.yml, shown with its year,
# so a yearly update is one edit (of the figure) and every text that uses it names the year.
RULE_PLACEHOLDER = re.compile(r"\{rule:(\w+)\}")
# Guided checks a button can start: `{target: ask_benefits, check: income}` sends
# `/ask_benefits{"check": "income"}`, and a rule starts the check's form (no new intent needed).
CHECKS = frozenset(internal_contract.CHECKS)
# The contract intents a check button may send (domain.yml gives them the `check` entity).
CHECK_INTENTS = frozenset({"ask_benefits", "ask_capabilities"})


class ContentError(ValueError):
    """An answer that must not be served; the message names the key and the problem."""


@dataclass(frozen=True)
class Button:
    """Either points to a `target` (an intent or a subtopic) or sends a literal `reply`."""

    title: str
    target: str = ""  # empty for a reply button
    language: str | None = None  # only for target change_language
    always: bool = False  # kept when a response filters its buttons (topic suggestions)
    reply: str | None = None  # the text a reply button sends, answered like typed text
    check: str | None = None  # a guided check the button starts (with a plain intent target)

    @property
    def kind(self) -> str:
        """What must match between the languages: the target, or just "a reply"."""
        return self.target if self.reply is None else "reply"


@dataclass(frozen=True)
class Variant:
    text: str
    buttons: tuple[Button, ...] = ()


@dataclass(frozen=True)
class Answer:
    key: str
    variants: dict[str, Variant]
    question: dict[str, str] = field(default_factory=dict)
    placeholders: tuple[str, ...] = ()
    source: str = ""
    valid_for: int | None = None
    verify: bool = False
    # A language shown in place of a missing translation, chosen by an editor on purpose.
    fallback: str | None = None

    @property
    def missing(self) -> tuple[str, ...]:
        """Languages that have no text of their own (they show the fallback's)."""
        return tuple(language for language in LANGUAGES if self.fallback and language != self.fallback
                     and self.variants[language] is self.variants[self.fallback])

    @property
    def topic(self) -> str:
        """`ask_benefits/bbz` for `utter_ask_benefits/bbz`; the button target naming this answer."""
        return self.key.removeprefix("utter_")


def parse_answer(key: str, raw: Any) -> Answer:
    """Builds an Answer from one YAML entry, or raises ContentError naming what is wrong."""
    if not key.startswith("utter_"):
        raise ContentError(f"{key}: response names start with utter_")
    if not isinstance(raw, dict):
        raise ContentError(f"{key}: expected a mapping with nl and en")
    placeholders = tuple(raw.get("placeholders") or ())
    fallback = raw.get("fallback")
    if fallback is not None and (fallback not in LANGUAGES or fallback not in raw):
        raise ContentError(f"{key}: fallback must name a language that has a text (nl or en)")
    variants: dict[str, Variant] = {}
    for language in LANGUAGES:
        if language in raw:
            variants[language] = _parse_variant(key, language, raw[language], placeholders)
        elif fallback is None:
            raise ContentError(f"{key}: the {language} text is missing (or mark a fallback language)")
    for language in LANGUAGES:
        if language not in variants and fallback is not None:  # without a fallback it raised above
            variants[language] = variants[fallback]
    answer = Answer(
        key=key,
        variants=variants,
        question={k: str(v).strip() for k, v in (raw.get("question") or {}).items()},
        placeholders=placeholders,
        source=str(raw.get("source", "")),
        valid_for=raw.get("valid_for"),
        verify=bool(raw.get("verify", False)),
        fallback=fallback,
    )
    if "/" in key and set(answer.question) != set(LANGUAGES):
        raise ContentError(f"{key}: a subtopic needs question.nl and question.en for its buttons")
    targets = [[b.kind for b in v.buttons] for v in variants.values()]
    if any(t != targets[0] for t in targets):
        raise ContentError(f"{key}: nl and en must have the same buttons in the same order")
    return answer


def _parse_variant(key: str, language: str, raw: Any, placeholders: tuple[str, ...]) -> Variant:
    where = f"{key} ({language})"
    if not isinstance(raw, dict) or not str(raw.get("text", "")).strip():
        raise ContentError(f"{where}: the text is empty")
    text = str(raw["text"]).strip()
    if len(text) > MAX_TEXT_CHARS:
        raise ContentError(f"{where}: the text has {len(text)} characters, at most {MAX_TEXT_CHARS}")
    if "<" in text and re.search(r"<[a-zA-Z/]", text):
        raise ContentError(f"{where}: no HTML in answers")
    unknown = set(PLACEHOLDER.findall(text)) - set(placeholders)
    if unknown:
        raise ContentError(f"{where}: unknown placeholder {{{sorted(unknown)[0]}}}")
    return Variant(text, tuple(_parse_button(where, item) for item in raw.get("buttons") or ()))


def _parse_button(where: str, raw: Any) -> Button:
    if not isinstance(raw, dict):
        raise ContentError(f"{where}: every button needs a title and a target or a reply")
    title = str(raw.get("title", "")).strip()
    target = str(raw.get("target", "") or "").strip()
    reply = str(raw.get("reply", "") or "").strip()
    if not title or not (target or reply):
        raise ContentError(f"{where}: every button needs a title and a target or a reply")
    if len(title) > MAX_BUTTON_TITLE_CHARS:
        raise ContentError(f"{where}: button title '{title}' is too long")
    if target and reply:
        raise ContentError(f"{where}: button '{title}' has both a target and a reply; give one")
    check = raw.get("check")
    if check is not None and (check not in CHECKS or "/" in target or reply):
        raise ContentError(f"{where}: button '{title}' check must be one of {', '.join(sorted(CHECKS))}, "
                           "with a plain intent target")
    if not reply:
        return Button(title, target, raw.get("language"), bool(raw.get("always", False)), check=check)
    # A slash would let a button's text name an intent; only targets may do that.
    if reply.startswith("/"):
        raise ContentError(f"{where}: button '{title}' reply must not start with /")
    if len(reply) > MAX_BUTTON_REPLY_CHARS:
        raise ContentError(f"{where}: button '{title}' reply is too long")
    return Button(title, always=bool(raw.get("always", False)), reply=reply)


def check_targets(answers: dict[str, Answer], files: dict[str, str] | None = None) -> None:
    """Every button points to a plain intent or to an answer that exists; questions are unique."""
    files = files or {}

    def where(key: str) -> str:
        return f"{files[key]}: {key}" if key in files else key

    topics = {a.topic for a in answers.values()}
    for answer in answers.values():
        for button in answer.variants[DEFAULT_LANGUAGE].buttons:
            if button.reply is not None:
                continue  # sends text, points nowhere
            if button.check is not None:
                if button.target not in CHECK_INTENTS:
                    raise ContentError(f"{where(answer.key)}: a check button sends "
                                       f"{' or '.join(sorted(CHECK_INTENTS))}, not '{button.target}'")
                continue
            if button.target not in PLAIN_TARGETS | GATEWAY_TARGETS and button.target not in topics:
                raise ContentError(f"{where(answer.key)}: button target '{button.target}' is not a topic")
            if button.target == "change_language" and button.language not in LANGUAGES:
                raise ContentError(f"{where(answer.key)}: a language button needs language nl or en")
    questions: dict[str, str] = {}
    for answer in answers.values():
        for question in answer.question.values():
            other = questions.setdefault(question.lower(), answer.key)
            if other != answer.key:
                raise ContentError(f"{where(answer.key)}: question '{question}' is also used by {other}")
