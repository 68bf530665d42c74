"""Rate limits: a burst, then a steady pace (a token bucket), per conversation, per client address,
per staff login.

In memory for one process; in Redis (REDIS_URL) when several gateway replicas share the load.
With Redis down, a chat limiter counts in this replica's memory until Redis is back (a limit per
replica, never silence); the login limiter raises LimiterUnavailable instead (no login without
shared throttling).
Keys are pseudonymous conversation ids or hashes, never native ids or addresses in the clear.
"""
from __future__ import annotations

import logging
import time
from collections import OrderedDict
from typing import Protocol

from redis.asyncio import Redis
from redis.exceptions import RedisError

from bot.redis_outage import RedisOutage

log = logging.getLogger(__name__)

# Buckets kept in memory at most; the least recently used are dropped (they were full anyway).
_MAX_BUCKETS = 100_000

_TOKEN_BUCKET_LUA = """
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local data = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(data[1]) or capacity
local ts = tonumber(data[2]) or now
tokens = math.min(capacity, tokens + (now - ts) * rate)
local allowed = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
end
redis.call('HSET', KEYS[1], 'tokens', tokens, 'ts', now)
redis.call('EXPIRE', KEYS[1], math.ceil(capacity / rate) + 1)
return allowed
"""  # noqa: S105 (a Lua script; "TOKEN" in its name is the token bucket)


class LimiterUnavailable(Exception):
    """A limiter that fails closed cannot reach its store, so it can neither allow nor refuse."""


class RateLimiter(Protocol):
    async def allow(self, key: str) -> bool: ...


class MemoryRateLimiter:
    def __init__(self, burst: int, per_minute: float) -> None:
        self._capacity = float(burst)
        self._rate = per_minute / 60.0
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    async def allow(self, key: str) -> bool:
        now = time.monotonic()
        tokens, stamp = self._buckets.pop(key, (self._capacity, now))
        tokens = min(self._capacity, tokens + (now - stamp) * self._rate)
        allowed = tokens >= 1
        self._buckets[key] = (tokens - 1 if allowed else tokens, now)
        if len(self._buckets) > _MAX_BUCKETS:
            self._buckets.popitem(last=False)
        return allowed


class RedisRateLimiter:
    """`fail_closed`: with Redis down, `allow` raises LimiterUnavailable instead of counting in memory."""

    def __init__(self, redis: Redis, burst: int, per_minute: float, *, fail_closed: bool = False,
                 outage: RedisOutage | None = None) -> None:
        self._redis = redis
        self._script = redis.register_script(_TOKEN_BUCKET_LUA)
        self._burst = burst
        self._rate = per_minute / 60.0
        self._fail_closed = fail_closed
        self._outage = outage or RedisOutage()
        self._memory = MemoryRateLimiter(burst, per_minute)

    async def allow(self, key: str) -> bool:
        try:
            allowed = await self._script(keys=[f"ratelimit:{key}"],
                                         args=[self._burst, self._rate, time.time()])
        except RedisError as error:
            self._outage.failed("rate limits", error)
            if self._fail_closed:
                log.warning("rate_limiter_unavailable kind=%s (refusing)", type(error).__name__)
                raise LimiterUnavailable() from None
            return await self._memory.allow(key)
        self._outage.answered()
        return bool(allowed)
