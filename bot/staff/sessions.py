"""Server-side staff sessions: the cookie carries a random token, the database its hash, so a copy
of the database logs nobody in. Idle and absolute timeouts; an admin can revoke any session;
ended sessions are deleted with the retention purge.

Every revocation is also published on the event hub (Redis across replicas), so an open staff
socket of that session or account closes at once (bot/staff/socket.py). Never logs tokens.
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import async_sessionmaker

from bot.db.models import StaffSession, StaffUser, utcnow
from bot.events import EventHub

COOKIE = "staff_session"
# last_seen is written at most this often: a page full of requests is not a write storm.
TOUCH_EVERY = timedelta(seconds=30)
# Published when a session ends early or an account's access changes: {"kind", "session_id"} or
# {"kind", "staff_user_id"}. It names ids only; each socket re-checks its own session.
ACCESS_CHANGED = "staff_access_changed"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Login:
    user: StaffUser
    session_id: str
    csrf_token: str


class StaffSessions:
    def __init__(self, sessions: async_sessionmaker, idle: timedelta, absolute: timedelta,
                 hub: EventHub | None = None) -> None:
        self._sessions = sessions
        self.idle, self.absolute = idle, absolute
        self._hub = hub

    async def start(self, user_id: int) -> tuple[str, str]:
        """A new session: (cookie token, CSRF token)."""
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        async with self._sessions() as session, session.begin():
            session.add(StaffSession(id=_hash(token), user_id=user_id, csrf_token=csrf))
        return token, csrf

    async def load(self, token: str, now: datetime | None = None, touch: bool = True) -> Login | None:
        """The login of a live session, or None. `touch`: this request is the staff member's own
        doing and counts as activity for the idle timeout (automatic refreshes and the socket's
        re-checks do not)."""
        now = now or utcnow()
        async with self._sessions() as session, session.begin():
            row = await session.get(StaffSession, _hash(token))
            if row is None or row.revoked_at is not None:
                return None
            if now - _aware(row.last_seen) > self.idle or now - _aware(row.created_at) > self.absolute:
                row.revoked_at = now
                return None
            user = await session.get(StaffUser, row.user_id)
            if user is None or not user.active:
                return None
            if touch and now - _aware(row.last_seen) > TOUCH_EVERY:
                row.last_seen = now
            return Login(user, row.id, row.csrf_token)

    async def revoke(self, session_id: str) -> bool:
        async with self._sessions() as session, session.begin():
            result = await session.execute(update(StaffSession).where(
                StaffSession.id == session_id, StaffSession.revoked_at.is_(None)).values(revoked_at=utcnow()))
        await self._publish({"kind": ACCESS_CHANGED, "session_id": session_id})
        return result.rowcount == 1

    async def revoke_all(self, user_id: int) -> int:
        """Ends every session of an account (disabled, reset, deleted); returns how many were live."""
        async with self._sessions() as session, session.begin():
            result = await session.execute(update(StaffSession).where(
                StaffSession.user_id == user_id, StaffSession.revoked_at.is_(None)).values(revoked_at=utcnow()))
        await self.access_changed(user_id)
        return result.rowcount

    async def access_changed(self, user_id: int) -> None:
        """The account's role or regions changed: its open sockets re-check their scope now."""
        await self._publish({"kind": ACCESS_CHANGED, "staff_user_id": user_id})

    async def _publish(self, event: dict[str, object]) -> None:
        if self._hub is not None:
            await self._hub.publish(event)

    async def active(self, now: datetime | None = None) -> list[tuple[StaffSession, StaffUser]]:
        now = now or utcnow()
        async with self._sessions() as session:
            rows = (await session.execute(
                select(StaffSession, StaffUser).join(StaffUser)
                .where(StaffSession.revoked_at.is_(None),
                       StaffSession.last_seen > now - self.idle,
                       StaffSession.created_at > now - self.absolute)
                .order_by(StaffSession.last_seen.desc()))).all()
        return [(s, u) for s, u in rows]


    async def purge(self, now: datetime | None = None) -> int:
        """Deletes sessions that ended (revoked, idle or too old): they log nobody in any more, and
        all they still hold is when someone worked. Returns how many."""
        now = now or utcnow()
        async with self._sessions() as session, session.begin():
            result = await session.execute(delete(StaffSession).where(or_(
                StaffSession.revoked_at.is_not(None),
                StaffSession.last_seen < now - self.idle,
                StaffSession.created_at < now - self.absolute)))
        return result.rowcount or 0


def _aware(moment: datetime) -> datetime:
    """SQLite gives naive datetimes back; they were stored in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
