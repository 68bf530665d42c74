"""The audit log: who did what to which handover or staff account, when. Written for every view of
a handover's details, every change, every login and failed login; holds ids and action names,
never personal data, message text, passwords or secrets.

`staff_user_id` is the account the row is about: the actor of a change (None: the server's
command line), the account a login attempt named (None: an e-mail address with no account).
A change to another account names that account in `detail` as "account=<id>".
"""
from __future__ import annotations

import logging
from datetime import datetime
from typing import Iterable

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import async_sessionmaker

from bot.db.models import AuditEvent

log = logging.getLogger(__name__)


def about_account(user_id: int) -> str:
    """The `detail` of a change to account `user_id` (exactly this, so it can be looked up)."""
    return f"account={user_id}"


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

    async def count(self, staff_user_id: int, action: str, since: datetime) -> int:
        async with self._sessions() as session:
            return await session.scalar(select(func.count(AuditEvent.id)).where(
                AuditEvent.staff_user_id == staff_user_id, AuditEvent.action == action,
                AuditEvent.at > since)) or 0

    async def latest(self, actions: Iterable[str], detail: str) -> datetime | None:
        """When one of `actions` last happened with exactly this detail (e.g. a reset of an account)."""
        async with self._sessions() as session:
            return await session.scalar(select(func.max(AuditEvent.at)).where(
                AuditEvent.action.in_(list(actions)), AuditEvent.detail == detail))

    async def last_logins(self) -> dict[int, datetime]:
        """Each account's last successful login."""
        async with self._sessions() as session:
            rows = (await session.execute(
                select(AuditEvent.staff_user_id, func.max(AuditEvent.at))
                .where(AuditEvent.action == "login", AuditEvent.staff_user_id.is_not(None))
                .group_by(AuditEvent.staff_user_id))).all()
        return {user_id: at for user_id, at in rows}
