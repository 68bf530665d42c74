"""Turns an answer into the message a channel shows: text and buttons in one language."""
from __future__ import annotations

from typing import Any

from bot.content.schema import DEFAULT_LANGUAGE, LANGUAGES, PLACEHOLDER, RULE_PLACEHOLDER, Answer
from bot.content.store import ContentStore


def pick_language(value: Any) -> str:
    return value if value in LANGUAGES else DEFAULT_LANGUAGE


def render(
    answer: Answer,
    language: str,
    store: ContentStore,
    values: dict[str, Any] | None = None,
    suggestions: list[str] | None = None,
    figures: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Renders the answer; `suggestions` (intent names) keep only those topic buttons, in order;
    `figures` are the yearly figures worded with their year, for "{rule:<name>}"."""
    variant = answer.variants[language]
    text = variant.text
    if answer.placeholders:
        given = values or {}
        text = PLACEHOLDER.sub(lambda m: str(given.get(m.group(1), "")), text)
    if figures is not None:
        text = RULE_PLACEHOLDER.sub(lambda m: figures.get(m.group(1), m.group(0)), text)
    buttons = list(variant.buttons)
    if suggestions is not None:
        ranked = {intent: rank for rank, intent in enumerate(suggestions)}
        chosen = [b for b in buttons if b.target.split("/")[0] in ranked and not b.always]
        chosen.sort(key=lambda b: ranked[b.target.split("/")[0]])
        buttons = chosen + [b for b in buttons if b.always]
    return {
        "text": text,
        "buttons": [
            {"title": b.title, "payload": store.payload(b, language)} for b in buttons
        ],
    }
