"""Per-conversation rate limit: a burst passes, then a kind "slow down"; in memory and in Redis.
With Redis down the chat limiters let everything through, and staff logins are refused kindly."""
from __future__ import annotations

import re
import uuid

import pytest
from redis.asyncio import Redis

from bot.app import create_app
from bot.appkeys import REDIS
from bot.gateway.rate_limit import LimiterUnavailable, MemoryRateLimiter, RedisRateLimiter

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


async def test_a_login_limiter_with_redis_down_neither_allows_nor_refuses():
    redis = Redis.from_url("redis://127.0.0.1:1/0")
    try:
        with pytest.raises(LimiterUnavailable):
            await RedisRateLimiter(redis, burst=1, per_minute=1, fail_closed=True).allow("a")
    finally:
        await redis.aclose()


async def redis_goes_away(app) -> None:
    """Redis stops answering: the pool's next connection finds nothing listening."""
    pool = app[REDIS].connection_pool
    pool.connection_kwargs["port"] = 1
    await pool.disconnect()


@pytest.mark.xdist_group("redis")  # Redis is one server for every worker
async def test_with_redis_down_staff_cannot_log_in_and_are_told_why_kindly(aiohttp_client, settings, static_data):
    settings.redis_url = REDIS_URL
    client = await aiohttp_client(create_app(settings, static=static_data))
    form = await client.get("/staff/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', await form.text()).group(1)
    await redis_goes_away(client.server.app)
    page = await client.post("/staff/login", data={"csrf": csrf, "email": "w@rebelz.nl",
                                                   "password": "x", "totp": "123456"})
    assert page.status == 503
    assert "Inloggen lukt nu even niet door een storing aan onze kant" in await page.text()
    api = await client.post("/api/v1/staff/login", json={"email": "w@rebelz.nl", "password": "x", "totp": "1"})
    assert api.status == 503
    assert "try again in a few minutes" in await api.text()


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
