"""Per-conversation rate limit: a burst passes, then a kind "slow down"; in memory and in Redis."""
from __future__ import annotations

import uuid

import pytest
from redis.asyncio import Redis

from bot.app import create_app
from bot.gateway.rate_limit import MemoryRateLimiter, RedisRateLimiter

REDIS_URL = "redis://127.0.0.1:6379/15"


async def test_memory_limiter_allows_a_burst_then_refuses():
    limiter = MemoryRateLimiter(burst=3, per_minute=1)
    assert [await limiter.allow("a") for _ in range(4)] == [True, True, True, False]
    assert await limiter.allow("b"), "another conversation has its own bucket"


@pytest.mark.xdist_group("redis")  # Redis is one server for every worker
async def test_redis_limiter_allows_a_burst_then_refuses():
    redis = Redis.from_url(REDIS_URL)
    try:
        limiter = RedisRateLimiter(redis, burst=3, per_minute=1)
        key = uuid.uuid4().hex
        assert [await limiter.allow(key) for _ in range(4)] == [True, True, True, False]
        assert await limiter.allow(uuid.uuid4().hex)
    finally:
        await redis.aclose()


@pytest.mark.xdist_group("redis")  # Redis is one server for every worker
async def test_redis_down_never_silences_a_user():
    redis = Redis.from_url("redis://127.0.0.1:1/0")
    try:
        assert await RedisRateLimiter(redis, burst=1, per_minute=1).allow("a")
    finally:
        await redis.aclose()


@pytest.mark.xdist_group("redis")  # Redis is one server for every worker
@pytest.mark.parametrize("redis_url", [None, REDIS_URL])
async def test_gateway_says_slow_down_after_the_burst_but_still_answers_a_crisis(
        aiohttp_client, settings, redis_url, static_data):
    settings.redis_url = redis_url
    settings.rate_limit_burst = 3
    settings.rate_limit_per_minute = 1
    client = await aiohttp_client(create_app(settings, static=static_data))
    sender = (await (await client.post("/api/v1/chat/start")).json())["sender"]

    async def chat(message):
        response = await client.post("/api/v1/chat", json={"sender": sender, "message": message})
        return await response.json()

    for _ in range(3):
        assert not (await chat("hoi"))[0]["text"].startswith("Je stuurt veel berichten")
    assert (await chat("hoi"))[0]["text"].startswith("Je stuurt veel berichten")
    replies = await chat("ik wil dood")
    assert "0800-0113" in replies[0]["text"]
    assert replies[-1]["text"].startswith("Je stuurt veel berichten")
