"""Turns the languages a message names into the one language the user wants.

The lookup table finds every language word, but "i don't speak dutch" and "mijn Nederlands is
niet goed, Engels aub" name the language the user does *not* want. A language named in a clause
with a negation or complaint is the rejected one; the `language` entity keeps only the wanted one.
Never logs message text.
"""
from __future__ import annotations

import re
from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import ENTITIES, ENTITY_ATTRIBUTE_TYPE, ENTITY_ATTRIBUTE_VALUE, TEXT
from rasa.shared.nlu.training_data.message import Message

from rasa_ext.stateless_component import StatelessComponent

ENTITY = "language"
OTHER = {"nl": "en", "en": "nl"}
# Words that make a clause about a language a rejection: "niet", "geen", "don't", "why is this in".
REJECTION = re.compile(
    r"\b(niet|geen|slecht|moeilijk|waarom|not|no|dont|don't|cant|can't|cannot|bad|poor|why|hardly|nauwelijks)\b",
    re.IGNORECASE,
)
CLAUSE_BREAK = re.compile(r"[,.;!?]|\b(maar|but|en dan|dus|so)\b", re.IGNORECASE)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class LanguageChoice(StatelessComponent):
    """Keeps one `language` entity: the language the user asks for."""

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            entities = message.get(ENTITIES) or []
            named = [e for e in entities
                     if e.get(ENTITY_ATTRIBUTE_TYPE) == ENTITY and e.get(ENTITY_ATTRIBUTE_VALUE) in OTHER]
            if not named:
                continue
            wanted = wanted_language(message.get(TEXT) or "", named)
            kept = dict(named[-1], value=wanted)
            message.set(ENTITIES, [e for e in entities if e not in named] + [kept], add_to_output=True)
        return messages


def wanted_language(text: str, named: list[dict[str, Any]]) -> str:
    """The language asked for, given the language entities found in `text`."""
    wanted: list[str] = []
    rejected: list[str] = []
    for entity in named:
        clause = _clause_around(text, entity.get("start", 0), entity.get("end", 0))
        (rejected if REJECTION.search(clause) else wanted).append(entity[ENTITY_ATTRIBUTE_VALUE])
    if wanted:
        return wanted[-1]
    return OTHER[rejected[-1]]


def _clause_around(text: str, start: int, end: int) -> str:
    breaks = list(CLAUSE_BREAK.finditer(text))
    left = max((m.end() for m in breaks if m.end() <= start), default=0)
    right = min((m.start() for m in breaks if m.start() >= end), default=len(text))
    return text[left:right]
