"""Guesses whether a message is Dutch or English, only when it clearly is.

Short greetings ("hoi", "hi") are ambiguous to any detector, so nothing under a few words decides.
"""
from __future__ import annotations

from lingua import Language, LanguageDetectorBuilder

# Below these, lingua guessed "hoi" as English in our trials; the slot then stays unset (Dutch).
MIN_WORDS = 3
MIN_CONFIDENCE = 0.8
_CODES = {Language.DUTCH: "nl", Language.ENGLISH: "en"}


class LanguageGuesser:
    def __init__(self) -> None:
        self._detector = LanguageDetectorBuilder.from_languages(*_CODES).build()

    def guess(self, text: str) -> str | None:
        if len(text.split()) < MIN_WORDS:
            return None
        best = self._detector.compute_language_confidence_values(text)[0]
        return _CODES[best.language] if best.value >= MIN_CONFIDENCE else None
