"""The one place the bot service writes into Rasa's tracker store (its SQL table `events`, in the
same database): deleting a conversation's events for "forget me" and retention.

Rasa 3.6 has no API to delete a conversation, so this reaches into Rasa's own schema; nothing else
in the service does. Runs inside the caller's transaction; never reads or logs events.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import text
from sqlalchemy.engine import CursorResult
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlalchemy.ext.asyncio import AsyncSession

# Rasa creates the table when it stores its first conversation; before that there is none.
_TABLE_MISSING = (OperationalError, ProgrammingError)


async def delete_conversation(session: AsyncSession, conversation_id: str) -> int:
    """Deletes Rasa's events of one conversation; returns how many."""
    try:
        result = await session.execute(
            text("DELETE FROM events WHERE sender_id = :id"), {"id": conversation_id})
    except _TABLE_MISSING:
        return 0
    # A DELETE's result is a cursor result, which knows how many rows it took.
    return cast(CursorResult[Any], result).rowcount or 0


async def delete_idle(session: AsyncSession, cutoff: datetime) -> int:
    """Deletes every conversation Rasa holds whose last event is older than `cutoff`, also those
    the bot's own table never had; returns how many events."""
    try:
        result = await session.execute(text(
            "DELETE FROM events WHERE sender_id IN (SELECT sender_id FROM events "
            "GROUP BY sender_id HAVING MAX(timestamp) < :cutoff)"),
            {"cutoff": cutoff.timestamp()})
    except _TABLE_MISSING:
        return 0
    return cast(CursorResult[Any], result).rowcount or 0
