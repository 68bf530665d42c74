"""The audit log: who did what to which handover, when. Written for every view of a handover's
details and every change; holds ids and action names, never personal data or message text.
"""
from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.ext.asyncio import async_sessionmaker

from bot.db.models import AuditEvent

log = logging.getLogger(__name__)


class AuditLog:
    def __init__(self, sessions: async_sessionmaker) -> None:
        self._sessions = sessions

    async def record(self, staff_user_id: int | None, action: str, handover_id: int | None = None,
                     detail: str = "") -> None:
        async with self._sessions() as session, session.begin():
            session.add(AuditEvent(staff_user_id=staff_user_id, action=action,
                                   handover_id=handover_id, detail=detail[:200]))
        log.info("audit action=%s staff=%s handover=%s", action, staff_user_id, handover_id)

    async def recent(self, limit: int = 200, handover_id: int | None = None) -> list[AuditEvent]:
        query = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
        if handover_id is not None:
            query = query.where(AuditEvent.handover_id == handover_id)
        async with self._sessions() as session:
            return list((await session.scalars(query)).all())
