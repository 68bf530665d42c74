"""Which client a conversation's latest message came from, for an hour: a keyed hash of the address
(bot/gateway/client_limits.py), so that a handover request (made by the action server, which knows
only the conversation) counts against that client's limit too.

In memory for one process; in Redis with a TTL when replicas share the load. Never persisted in the
database, never the address itself, never logged.
"""
from __future__ import annotations

import time
from collections import OrderedDict
from typing import Protocol

from redis.asyncio import Redis
from redis.exceptions import RedisError

from bot.redis_outage import RedisOutage

# A handover request follows the form's last message within minutes; an hour is ample.
REMEMBER_SECONDS = 60 * 60
_MAX_ENTRIES = 100_000


class RecentClients(Protocol):
    async def remember(self, conversation: str, client: str) -> None: ...

    async def client_of(self, conversation: str) -> str | None: ...


class MemoryRecentClients:
    def __init__(self, seconds: float = REMEMBER_SECONDS) -> None:
        self._seconds = seconds
        self._entries: OrderedDict[str, tuple[str, float]] = OrderedDict()

    async def remember(self, conversation: str, client: str) -> None:
        self._entries.pop(conversation, None)
        self._entries[conversation] = (client, time.monotonic() + self._seconds)
        while len(self._entries) > _MAX_ENTRIES:
            self._entries.popitem(last=False)

    async def client_of(self, conversation: str) -> str | None:
        entry = self._entries.get(conversation)
        if entry is None or entry[1] < time.monotonic():
            return None
        return entry[0]


class RedisRecentClients:
    def __init__(self, redis: Redis, seconds: int = REMEMBER_SECONDS, outage: RedisOutage | None = None) -> None:
        self._redis = redis
        self._seconds = seconds
        self._outage = outage or RedisOutage()

    async def remember(self, conversation: str, client: str) -> None:
        try:
            await self._redis.set(f"client-of:{conversation}", client, ex=self._seconds)
        except RedisError as error:
            self._outage.failed("recent clients", error)  # then only the conversation's own limit applies
            return
        self._outage.answered()

    async def client_of(self, conversation: str) -> str | None:
        try:
            found = await self._redis.get(f"client-of:{conversation}")
        except RedisError as error:
            self._outage.failed("recent clients", error)
            return None
        return found.decode() if isinstance(found, bytes) else found
