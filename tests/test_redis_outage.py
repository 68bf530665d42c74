"""Redis gone: the gateway keeps answering, counts its rate limits in its own memory meanwhile,
says so once (not once a message), and uses Redis again by itself when it is back."""
from __future__ import annotations

import logging

import pytest
from redis import Redis

from bot.app import create_app
from bot.content.files import parse_entries, read_content_dir
from support.paths import ROOT
from support.redis_server import PrivateRedis
from support.rest import rest_chat

ANSWERS = parse_entries(read_content_dir(ROOT / "data" / "content"))
SLOW_DOWN = ANSWERS["utter_slow_down"].variants["nl"].text


@pytest.fixture
def redis():
    server = PrivateRedis()
    yield server
    if server.process is not None and server.process.poll() is None:
        server.stop()


async def test_with_redis_down_limits_hold_in_memory_one_warning_and_back_by_itself(aiohttp_client, settings,
                                                                                    static_data, redis, caplog):
    settings = settings.model_copy(update={"redis_url": redis.url, "rate_limit_burst": 3,
                                           "rate_limit_per_minute": 1})
    client = await aiohttp_client(create_app(settings, static=static_data))
    await rest_chat(client, "before", "hallo")
    redis.stop()
    caplog.set_level(logging.INFO)
    answers = [await rest_chat(client, "during", "hallo") for _ in range(5)]
    assert all(answer and answer[0]["text"] for answer in answers)  # answered every time
    assert [answer[0]["text"] == SLOW_DOWN for answer in answers] == [False, False, False, True, True]
    outage = [r.getMessage() for r in caplog.records if r.getMessage().startswith("redis_unavailable")]
    assert len(outage) == 1, outage

    redis.start()
    await rest_chat(client, "after", "hallo")
    assert sum(r.getMessage().startswith("redis_available_again") for r in caplog.records) == 1
    # Shared again: a fresh conversation's burst counts in Redis, not in memory.
    await rest_chat(client, "after", "hallo")
    assert Redis.from_url(redis.url).keys("ratelimit:*")
