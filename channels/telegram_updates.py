"""Which Telegram updates were handled already, so a replayed update is ignored: after a restart,
and on every replica. In the database, or in Redis with REDIS_URL.

Holds update ids only (and the bot's public id, since update ids count per bot); never a chat id
or text. Never decides what an update means: that is channels/telegram.py.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone
from typing import Protocol

from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.ext.asyncio import async_sessionmaker

from bot.db.models import TelegramUpdate

log = logging.getLogger(__name__)
# Telegram stops delivering an update after 24 hours, so a real update is never older than this;
# channels/telegram.py refuses messages dated before it, which makes forgetting older ids safe.
SEEN_FOR = timedelta(days=1)
# Deleting old ids now and then is enough: the table only grows by one row per update.
FORGET_EVERY = timedelta(hours=1)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class UpdateLog(Protocol):
    async def first_time(self, update_id: int) -> bool:
        """True the first time an update id is seen (and notes it); False for a replay."""
        ...


class DatabaseUpdateLog:
    """Update ids in the `telegram_updates` table: the primary key makes two replicas agree."""

    def __init__(self, sessions: async_sessionmaker, bot_id: int) -> None:
        self._sessions = sessions
        self._bot_id = bot_id
        self._forgotten_at: datetime | None = None

    async def first_time(self, update_id: int, now: datetime | None = None) -> bool:
        now = now or utcnow()
        try:
            if self._forgotten_at is None or now - self._forgotten_at >= FORGET_EVERY:
                await self.forget_old(now)
            async with self._sessions() as session, session.begin():
                session.add(TelegramUpdate(bot_id=self._bot_id, update_id=update_id, seen_at=now))
        except IntegrityError:
            return False
        except SQLAlchemyError:
            # Bookkeeping only: a database that is down must not silence the user (as with Redis).
            log.warning("telegram_update_log_unavailable")
            return True
        return True

    async def forget_old(self, now: datetime | None = None) -> None:
        now = now or utcnow()
        async with self._sessions() as session, session.begin():
            await session.execute(delete(TelegramUpdate).where(TelegramUpdate.seen_at < now - SEEN_FOR))
        self._forgotten_at = now


class RedisUpdateLog:
    """Update ids as Redis keys that expire by themselves (SET NX: one replica wins)."""

    def __init__(self, redis: Redis, bot_id: int) -> None:
        self._redis = redis
        self._bot_id = bot_id

    async def first_time(self, update_id: int) -> bool:
        try:
            return bool(await self._redis.set(f"telegram:update:{self._bot_id}:{update_id}", 1,
                                              nx=True, ex=int(SEEN_FOR.total_seconds())))
        except RedisError:
            # Handling an update twice is better than dropping one that may be a cry for help.
            log.warning("telegram_update_log_unavailable")
            return True
