"""The conversations table, and deleting a conversation everywhere: "forget me" and retention.

A conversation lives in three places: this table (channel, encrypted reply address, last
activity), Rasa's tracker store (`events`, same database) and the gateway's memory. Forgetting
clears all three. Never logs ids or addresses.
"""
from __future__ import annotations

import logging
from collections import OrderedDict
from datetime import datetime, timedelta, timezone

from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import delete, select, text
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlalchemy.ext.asyncio import async_sessionmaker

from bot.db.models import Conversation, utcnow

log = logging.getLogger(__name__)
# Rasa's SQLTrackerStore table; absent until Rasa has stored its first conversation.
_TRACKER_TABLE_MISSING = (OperationalError, ProgrammingError)
_LANGUAGE_CACHE_SIZE = 50_000


class Conversations:
    def __init__(self, sessions: async_sessionmaker, encryption_key: str) -> None:
        self._sessions = sessions
        self._fernet = Fernet(encryption_key.encode())
        # The NLG endpoint asks for every response; a bounded cache keeps that off the database.
        self._languages: OrderedDict[str, str | None] = OrderedDict()

    async def touch(self, conversation_id: str, channel: str, address: str | None = None,
                    language: str | None = None) -> None:
        """Records activity now, the encrypted reply address (for channels that have one), and
        the first clearly detected language."""
        async with self._sessions() as session, session.begin():
            row = await session.get(Conversation, conversation_id)
            if row is None:
                row = Conversation(id=conversation_id, channel=channel)
                session.add(row)
            row.last_activity = utcnow()
            if address is not None:
                row.address = self._fernet.encrypt(address.encode())
            if row.language is None and language is not None:
                row.language = language
            self._cache(conversation_id, row.language)

    async def language_of(self, conversation_id: str) -> str | None:
        if conversation_id in self._languages:
            return self._languages[conversation_id]
        async with self._sessions() as session:
            language = await session.scalar(
                select(Conversation.language).where(Conversation.id == conversation_id))
        self._cache(conversation_id, language)
        return language

    def _cache(self, conversation_id: str, language: str | None) -> None:
        self._languages[conversation_id] = language
        self._languages.move_to_end(conversation_id)
        if len(self._languages) > _LANGUAGE_CACHE_SIZE:
            self._languages.popitem(last=False)

    async def channel_of(self, conversation_id: str) -> str | None:
        async with self._sessions() as session:
            return await session.scalar(select(Conversation.channel).where(Conversation.id == conversation_id))

    async def address_of(self, conversation_id: str) -> str | None:
        async with self._sessions() as session:
            row = await session.get(Conversation, conversation_id)
        if row is None or row.address is None:
            return None
        try:
            return self._fernet.decrypt(row.address).decode()
        except InvalidToken:  # the key was rotated; the user must write first again
            return None

    async def forget(self, conversation_id: str) -> int:
        """Deletes the conversation and Rasa's events for it; returns the number of events."""
        self._languages.pop(conversation_id, None)
        async with self._sessions() as session, session.begin():
            await session.execute(delete(Conversation).where(Conversation.id == conversation_id))
            try:
                result = await session.execute(
                    text("DELETE FROM events WHERE sender_id = :id"), {"id": conversation_id})
                events = result.rowcount or 0
            except _TRACKER_TABLE_MISSING:
                events = 0
        return events

    async def purge(self, retention_days: int, now: datetime | None = None) -> int:
        """Deletes every conversation idle longer than the retention; returns how many."""
        cutoff = (now or datetime.now(timezone.utc)) - timedelta(days=retention_days)
        async with self._sessions() as session, session.begin():
            idle = (await session.scalars(
                select(Conversation.id).where(Conversation.last_activity < cutoff))).all()
            await session.execute(delete(Conversation).where(Conversation.last_activity < cutoff))
            try:
                # Also conversations Rasa holds without a row here: judged by their last event.
                result = await session.execute(text(
                    "DELETE FROM events WHERE sender_id IN (SELECT sender_id FROM events "
                    "GROUP BY sender_id HAVING MAX(timestamp) < :cutoff)"),
                    {"cutoff": cutoff.timestamp()})
                rasa_only = result.rowcount or 0
            except _TRACKER_TABLE_MISSING:
                rasa_only = 0
        for conversation_id in idle:
            self._languages.pop(conversation_id, None)
        log.info("purge_done conversations=%d events=%d retention_days=%d",
                 len(idle), rasa_only, retention_days)
        return len(idle)
