"""The conversations table, and deleting a conversation everywhere: "forget me" and retention.

A conversation lives in three places: this table (channel, encrypted reply address, last
activity), Rasa's tracker store (bot/gateway/rasa_tracker.py) and the gateway's memory. Forgetting
clears all three. Never logs ids or addresses.

It also keeps the language the assistant answers in (see `settle`): each message's language
decides, with some hysteresis, and a language button or "English please" holds until the user
clearly writes the other language.
"""
from __future__ import annotations

import logging
from collections import OrderedDict
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone

from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import async_sessionmaker

from bot.db.models import Conversation, utcnow
from bot.gateway import rasa_tracker
from bot.gateway.language import Reading, Strength

log = logging.getLogger(__name__)
_LANGUAGE_CACHE_SIZE = 50_000
# Activity is kept for retention, which counts in days: noting it once a minute is plenty, and a
# message that changes nothing else then writes nothing (a durable commit is most of a message's
# database time; bench/gateway_vs_rasa.py).
ACTIVITY_RESOLUTION = timedelta(minutes=1)
# Messages in a row that lean to the other language ("thank you", "yes please") before the chat
# switches; a clear sentence switches at once.
LEANS_TO_SWITCH = 2


@dataclass(frozen=True)
class ChatLanguage:
    """The language answers are in (None: not known yet, answers are Dutch), whether the user
    chose it, and the other language the latest messages leaned to, how many in a row."""
    current: str | None = None
    chosen: bool = False
    leaning: str | None = None
    leans: int = 0


def settle(state: ChatLanguage, reading: Reading | None, fallback: str | None = None) -> ChatLanguage:
    """The chat's language after one message (`fallback`: what the channel knows, such as the
    widget's language, used until a message says more).

    Every message with words decides, so English typed into a Dutch chat is answered in
    English. But not every word: a greeting, "ok", "bijstand?" or a place name reads as nothing
    (bot/gateway/language.py), and a message that only leans ("thank you") switches only when
    the next one leans the same way, so one stray English word never flips a Dutch chat. A
    choice (a language button, "English please") holds against leaning messages; a clear
    sentence in the other language is the user changing their mind, and wins.
    """
    if state.current is None and fallback is not None:
        state = replace(state, current=fallback)
    if reading is None:
        return state  # neither counts nor breaks a run of leaning messages
    language, strength = reading
    if strength is Strength.CHOSEN:
        return ChatLanguage(language, chosen=True)
    if language == state.current:
        return replace(state, leaning=None, leans=0)
    if strength is Strength.CLEAR:
        return ChatLanguage(language)
    leans = state.leans + 1 if state.leaning == language else 1
    if leans >= LEANS_TO_SWITCH and not state.chosen:
        return ChatLanguage(language)
    return replace(state, leaning=language, leans=leans)


class Conversations:
    def __init__(self, sessions: async_sessionmaker, encryption_key: str) -> None:
        self._sessions = sessions
        self._fernet = Fernet(encryption_key.encode())
        # The NLG endpoint asks for every response; a bounded cache keeps that off the database.
        # Only `current` is stored; whether it was chosen and the run of leaning messages live
        # here alone (after a restart or eviction a choice is just the language of the chat).
        self._languages: OrderedDict[str, ChatLanguage] = OrderedDict()

    async def touch(self, conversation_id: str, channel: str, address: str | None = None,
                    reading: Reading | None = None, fallback: str | None = None) -> str | None:
        """Records activity now, the encrypted reply address (for channels that have one), and
        what the message says about the language (`settle`); returns the chat's language."""
        async with self._sessions() as session, session.begin():
            row = await session.get(Conversation, conversation_id)
            now = utcnow()
            if row is None:
                row = Conversation(id=conversation_id, channel=channel, last_activity=now)
                session.add(row)
            elif now - _aware(row.last_activity) >= ACTIVITY_RESOLUTION:
                row.last_activity = now
            if address is not None and self._decrypted(row.address) != address:
                row.address = self._fernet.encrypt(address.encode())
            state = self._languages.get(conversation_id)
            if state is None or state.current != row.language:
                state = ChatLanguage(row.language)
            state = settle(state, reading, fallback)
            row.language = state.current
            self._cache(conversation_id, state)
        return state.current

    async def choose(self, conversation_id: str, language: str) -> None:
        """The user chose the language in a way only Rasa understood ("kan het in het Engels"):
        as strong as the language button. Does nothing for a conversation this table lacks."""
        async with self._sessions() as session, session.begin():
            row = await session.get(Conversation, conversation_id)
            if row is None:
                return
            row.language = language
            self._cache(conversation_id, ChatLanguage(language, chosen=True))

    async def language_of(self, conversation_id: str) -> str | None:
        if conversation_id in self._languages:
            self._languages.move_to_end(conversation_id)
            return self._languages[conversation_id].current
        async with self._sessions() as session:
            language = await session.scalar(
                select(Conversation.language).where(Conversation.id == conversation_id))
        self._cache(conversation_id, ChatLanguage(language))
        return language

    def cached_language(self, conversation_id: str) -> str | None:
        """The chat's language if this process knows it without asking the database."""
        state = self._languages.get(conversation_id)
        return state.current if state is not None else None

    def _cache(self, conversation_id: str, state: ChatLanguage) -> None:
        self._languages[conversation_id] = state
        self._languages.move_to_end(conversation_id)
        if len(self._languages) > _LANGUAGE_CACHE_SIZE:
            self._languages.popitem(last=False)

    async def channel_of(self, conversation_id: str) -> str | None:
        async with self._sessions() as session:
            return await session.scalar(select(Conversation.channel).where(Conversation.id == conversation_id))

    def _decrypted(self, stored: bytes | None) -> str | None:
        if stored is None:
            return None
        try:
            return self._fernet.decrypt(stored).decode()
        except InvalidToken:  # the key was rotated; the user must write first again
            return None

    async def address_of(self, conversation_id: str) -> str | None:
        async with self._sessions() as session:
            row = await session.get(Conversation, conversation_id)
        return self._decrypted(row.address) if row is not None else None

    async def forget(self, conversation_id: str) -> int:
        """Deletes the conversation and Rasa's events for it; returns the number of events."""
        self._languages.pop(conversation_id, None)
        async with self._sessions() as session, session.begin():
            await session.execute(delete(Conversation).where(Conversation.id == conversation_id))
            return await rasa_tracker.delete_conversation(session, conversation_id)

    async def purge(self, retention_days: int, now: datetime | None = None) -> int:
        """Deletes every conversation idle longer than the retention; returns how many."""
        cutoff = (now or datetime.now(timezone.utc)) - timedelta(days=retention_days)
        async with self._sessions() as session, session.begin():
            idle = (await session.scalars(
                select(Conversation.id).where(Conversation.last_activity < cutoff))).all()
            await session.execute(delete(Conversation).where(Conversation.last_activity < cutoff))
            # Also conversations Rasa holds without a row here: judged by their last event.
            rasa_only = await rasa_tracker.delete_idle(session, cutoff)
        for conversation_id in idle:
            self._languages.pop(conversation_id, None)
        log.info("purge_done conversations=%d events=%d retention_days=%d",
                 len(idle), rasa_only, retention_days)
        return len(idle)


def _aware(moment: datetime) -> datetime:
    """SQLite gives back the stored time without its zone; it was stored in UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)
