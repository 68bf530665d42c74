"""What the gateway notes for a handover that is not made yet: a phone number the form asked for
(encrypted, never sent to Rasa) and whether a crisis phrase matched; notes of a form left
unfinished are deleted with the retention. Never logs either.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from cryptography.fernet import Fernet
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import async_sessionmaker

from bot.db.models import HandoverIntake, utcnow


@dataclass(frozen=True)
class Intake:
    phone: bytes | None  # encrypted
    crisis_seen: bool


class IntakeNotes:
    def __init__(self, sessions: async_sessionmaker, fernet: Fernet) -> None:
        self._sessions = sessions
        self._fernet = fernet

    async def _update(self, conversation_id: str, **values: object) -> None:
        async with self._sessions() as session, session.begin():
            row = await session.get(HandoverIntake, conversation_id)
            if row is None:
                row = HandoverIntake(conversation_id=conversation_id)
                session.add(row)
            for name, value in values.items():
                setattr(row, name, value)
            row.updated_at = utcnow()

    async def expect_phone(self, conversation_id: str) -> None:
        await self._update(conversation_id, awaiting_phone=True)

    async def awaiting_phone(self, conversation_id: str) -> bool:
        async with self._sessions() as session:
            row = await session.get(HandoverIntake, conversation_id)
        return row is not None and row.awaiting_phone

    async def keep_phone(self, conversation_id: str, phone: str | None) -> None:
        """The answer to the phone question: the number (or None) replaces any earlier one."""
        encrypted = self._fernet.encrypt(phone.encode()) if phone else None
        await self._update(conversation_id, awaiting_phone=False, phone=encrypted)

    async def note_crisis(self, conversation_id: str) -> None:
        await self._update(conversation_id, crisis_seen=True)

    async def take(self, conversation_id: str) -> Intake:
        """Hands the notes to a new handover and deletes them."""
        async with self._sessions() as session, session.begin():
            row = await session.get(HandoverIntake, conversation_id)
            if row is None:
                return Intake(None, False)
            intake = Intake(row.phone, row.crisis_seen)
            await session.delete(row)
        return intake

    async def forget(self, conversation_id: str) -> None:
        async with self._sessions() as session, session.begin():
            await session.execute(
                delete(HandoverIntake).where(HandoverIntake.conversation_id == conversation_id))

    async def purge(self, retention_days: int, now: datetime | None = None) -> int:
        """Deletes notes untouched for longer than the retention (a form the user never finished:
        the conversation they belong to is deleted by then too); returns how many."""
        cutoff = (now or datetime.now(timezone.utc)) - timedelta(days=retention_days)
        async with self._sessions() as session, session.begin():
            result = await session.execute(delete(HandoverIntake).where(HandoverIntake.updated_at < cutoff))
        return result.rowcount or 0
