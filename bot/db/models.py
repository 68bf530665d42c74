"""Tables of the bot service. Queries live in the module that owns each table."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import JSON, DateTime, String
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
