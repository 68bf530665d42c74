"""When content, regions and rules were last imported from or exported to their files in git (the
file_syncs table), and the refusal an import raises when editors changed that data since. The
database is the truth once the service runs; the files are its seed and its export.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import InstrumentedAttribute

from bot.db.models import FileSync, utcnow

KINDS = ("content", "regions", "rules")


class UnexportedChanges(Exception):
    """An import would discard what editors changed in the web app since the last import or export."""

    def __init__(self, kind: str, count: int, newest: datetime | None) -> None:
        super().__init__(f"{kind}: {count} change(s) by editors since the last import or export")
        self.kind, self.count, self.newest = kind, count, newest


def _aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; every time here is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


async def last_synced(sessions: async_sessionmaker, kind: str) -> datetime | None:
    async with sessions() as session:
        row = await session.get(FileSync, kind)
    return _aware(row.at) if row is not None else None


async def mark_synced(session: AsyncSession, kind: str, direction: str) -> None:
    """Inside the transaction that imports, or after the export wrote the files."""
    await session.flush()  # the imported rows get their times first: the mark is after them
    row = await session.get(FileSync, kind)
    if row is None:
        session.add(FileSync(kind=kind, direction=direction, at=utcnow()))
    else:
        row.direction, row.at = direction, utcnow()


async def mark_exported(sessions: async_sessionmaker, kind: str) -> None:
    async with sessions() as session, session.begin():
        await mark_synced(session, kind, "export")


# A database made before file_syncs existed has no mark: its rows' times are those of its first
# import, which takes a second or so, and an editor's change comes later than this.
IMPORT_SPREAD = timedelta(seconds=60)


async def changed_rows(sessions: async_sessionmaker, kind: str,
                       updated_at: InstrumentedAttribute[datetime]) -> tuple[int, datetime | None]:
    """How many rows of a table whose rows carry `updated_at` changed since the last import or
    export of `kind`, and when the newest change was."""
    since = await last_synced(sessions, kind)
    async with sessions() as session:
        if since is None:
            first = await session.scalar(select(func.min(updated_at)))
            if first is None:
                return 0, None
            since = _aware(first) + IMPORT_SPREAD
        count, newest = (await session.execute(select(func.count(), func.max(updated_at))
                                               .where(updated_at > since))).one()
    return count, _aware(newest) if newest is not None else None


def refuse_if_changed(kind: str, count: int, newest: datetime | None) -> None:
    if count:
        raise UnexportedChanges(kind, count, newest)
