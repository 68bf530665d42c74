"""Tables of the bot service. Queries live in the module that owns each table."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import JSON, DateTime, LargeBinary, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Base(DeclarativeBase):
    pass


class ContentEntry(Base):
    """One answer (both languages) as it stands in data/content/; owned by bot.content.store."""

    __tablename__ = "content_entries"

    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    file_name: Mapped[str] = mapped_column(String(80))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Conversation(Base):
    """One pseudonymous conversation; owned by bot.gateway.conversations.

    `id` is the keyed hash Rasa also uses. The native reply address (a Telegram chat id) is kept
    only encrypted, and only for channels that must push messages later.
    """

    __tablename__ = "conversations"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    address: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    # The language of the first message that was clearly Dutch or English; the NLG endpoint
    # answers in it until the user picks one (Rasa's `language` slot).
    language: Mapped[str | None] = mapped_column(String(2), nullable=True)
    last_activity: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
