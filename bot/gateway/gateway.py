"""The gateway every channel goes through: pseudonymise, clean, route to Rasa, keep safety.

It guarantees a reply: when Rasa is down or silent the user gets the fixed message with the
safety lines, and a curated crisis phrase always brings the safety answer, whatever the NLU said.
Never logs message text or native ids.
"""
from __future__ import annotations

import logging
import re
import unicodedata
from collections import OrderedDict
from typing import Any

from bot.content.render import render
from bot.content.schema import DEFAULT_LANGUAGE
from bot.content.store import ContentStore
from bot.gateway.crisis import CrisisPhrases
from bot.gateway.language import LanguageGuesser
from bot.gateway.pseudonym import conversation_id
from bot.gateway.rasa_client import RasaClient, RasaUnavailable

log = logging.getLogger(__name__)

Message = dict[str, Any]
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\ufeff]")
# The opener every channel may send (Telegram's /start, the terminal chat, the widget).
_OPENERS = frozenset({"/greet"})
# Conversations whose language slot is known to be settled in Rasa; bounded so memory stays flat.
_SETTLED_CACHE_SIZE = 50_000


class Gateway:
    def __init__(self, rasa: RasaClient, store: ContentStore, phrases: CrisisPhrases,
                 guesser: LanguageGuesser, secret_key: str, max_chars: int) -> None:
        self._rasa = rasa
        self._store = store
        self._phrases = phrases
        self._guesser = guesser
        self._secret_key = secret_key
        self._max_chars = max_chars
        self._languages: OrderedDict[str, str] = OrderedDict()

    async def handle(self, channel: str, native_id: str, text: Any) -> list[Message]:
        conversation = conversation_id(self._secret_key, channel, native_id)
        cleaned = self._clean(text)
        guessed = self._guesser.guess(cleaned) if cleaned else None
        language = guessed or self._languages.get(conversation, DEFAULT_LANGUAGE)
        if not cleaned:
            return [self._answer("utter_input_empty", language)]
        notes = []
        if len(cleaned) > self._max_chars:
            cleaned = cleaned[: self._max_chars]
            notes.append(self._answer("utter_input_shortened", language))
        crisis = self._phrases.match(cleaned)
        try:
            await self._settle_language(conversation, guessed)
            replies = [self._shape(r) for r in await self._rasa.send(conversation, cleaned)]
            replies = [r for r in replies if r["text"] or r["buttons"]]
            if not replies:
                raise RasaUnavailable("no reply")
        except RasaUnavailable as error:
            log.warning("rasa_unavailable channel=%s reason=%s", channel, error)
            replies = [self._answer("utter_service_unavailable", language)]
            crisis_shown = False
        else:
            language = self._store.language_of(replies[0]["text"]) or language
            crisis_shown = any(self._store.is_crisis_text(r["text"]) for r in replies)
        self._remember_language(conversation, language)
        if crisis and not crisis_shown:
            log.info("crisis_phrase_matched channel=%s category=%s", channel, crisis)
            replies = [self._answer(f"utter_crisis/{crisis}", language),
                       self._answer("utter_crisis_offer_person", language)] + replies
        return notes + replies

    async def rasa_ready(self) -> bool:
        return await self._rasa.is_ready()

    def _clean(self, text: Any) -> str:
        if not isinstance(text, str):
            return ""
        text = _CONTROL.sub(" ", unicodedata.normalize("NFC", text)).strip()
        if text.startswith("/") and text not in _OPENERS | self._store.button_payloads():
            # Only our own buttons may name an intent; a typed "/crisis" is just text.
            text = text.lstrip("/").strip()
        return text

    async def _settle_language(self, conversation: str, guessed: str | None) -> None:
        """Sets the language slot once, from the first message that is clearly Dutch or English."""
        if conversation in self._languages:
            return
        if (await self._rasa.slots(conversation)).get("language"):
            self._remember_language(conversation, DEFAULT_LANGUAGE)
        elif guessed:
            await self._rasa.set_slot(conversation, "language", guessed)
            self._remember_language(conversation, guessed)

    def _remember_language(self, conversation: str, language: str) -> None:
        self._languages[conversation] = language
        self._languages.move_to_end(conversation)
        while len(self._languages) > _SETTLED_CACHE_SIZE:
            self._languages.popitem(last=False)

    def _answer(self, key: str, language: str) -> Message:
        answer = self._store.get(key)
        assert answer is not None, f"required content {key} is missing"
        return render(answer, language, self._store)

    @staticmethod
    def _shape(reply: dict[str, Any]) -> Message:
        buttons = [
            {"title": str(b.get("title", "")), "payload": str(b.get("payload", ""))}
            for b in reply.get("buttons") or [] if isinstance(b, dict)
        ]
        return {"text": str(reply.get("text") or ""), "buttons": buttons}
