"""Telegram answers private chats only, and handles an update once: a replayed update is ignored,
also after a restart (its id is kept in the database, or in Redis with REDIS_URL).

Rasa is down here: a crisis phrase is answered without it, so every handled message gets a reply
the fake Bot API records at once.
"""
from __future__ import annotations

import random
import secrets
import time
from datetime import datetime, timedelta, timezone

import pytest
from redis.asyncio import Redis
from sqlalchemy import func, select

from bot.app import create_app
from bot.appkeys import SESSIONS
from bot.db.models import Conversation
from bot.settings import Settings
from support.fake_telegram_api import button_update, text_update
from support.telegram import updates_handled

SECRET = "webhook_secret-for-the-tests-0123456789"
CRISIS = "ik wil niet meer leven"  # data/crisis_phrases.yml: answered without Rasa
# Telegram stops delivering an update after a day (channels/telegram_updates.py).
SEEN_FOR = timedelta(days=1)


@pytest.fixture
def telegram_settings(settings, fake_api) -> Settings:
    _, server = fake_api
    return Settings(**{**settings.model_dump(), "telegram_token": "123456:TEST",
                       "telegram_api_url": str(server.make_url("/bot")),
                       "telegram_webhook_secret": SECRET, "public_url": "https://chat.example.invalid"})


async def post_update(client, update) -> None:
    response = await client.post("/telegram/webhook", json=update,
                                 headers={"X-Telegram-Bot-Api-Secret-Token": SECRET})
    assert response.status == 200


async def all_sent(client, api) -> int:
    """How many messages went out once the answer in progress is complete (bubbles are paced)."""
    await updates_handled(client.server.app)
    return len(api.called("sendMessage"))


def sent_to(api, chat_id: int) -> list[dict]:
    return [m for m in api.called("sendMessage") if int(m["chat_id"]) == chat_id]


async def conversations(client) -> int:
    async with client.server.app[SESSIONS]() as session:
        return (await session.execute(select(func.count()).select_from(Conversation))).scalar_one()


def group() -> int:
    return -random.randint(10**9, 10**10)


@pytest.mark.parametrize("chat_type", ["group", "supergroup", "channel"])
async def test_a_message_in_a_group_gets_no_answer_and_starts_no_conversation(
        aiohttp_client, telegram_settings, fake_api, chat_type, static_data):
    api, _ = fake_api
    client = await aiohttp_client(create_app(telegram_settings, static=static_data))
    in_the_group = group()
    for text in ("hoi", CRISIS, "/start", "/wis"):
        await post_update(client, text_update(in_the_group, text, chat_type=chat_type))
    await updates_handled(client.server.app)
    assert sent_to(api, in_the_group) == []
    assert await conversations(client) == 0
    alone = random.randint(10_000, 10_000_000)
    await post_update(client, text_update(alone, CRISIS))
    await api.wait_for("sendMessage")
    assert sent_to(api, alone), "a private chat is answered as before"


async def test_a_button_pressed_in_a_group_only_stops_spinning(aiohttp_client, telegram_settings, fake_api, static_data):
    api, _ = fake_api
    client = await aiohttp_client(create_app(telegram_settings, static=static_data))
    in_the_group = group()
    for data in ("b:0000000000000000", "r:K7M-4QX"):
        await post_update(client, button_update(in_the_group, data, chat_type="supergroup"))
    assert len(await api.wait_for("answerCallbackQuery", 2)) == 2
    await updates_handled(client.server.app)
    assert sent_to(api, in_the_group) == [] and api.called("deleteMessages") == []
    assert await conversations(client) == 0


async def test_a_replayed_update_is_ignored_after_a_restart(aiohttp_client, telegram_settings, fake_api, static_data):
    api, _ = fake_api
    chat_id = random.randint(10_000, 10_000_000)
    update = text_update(chat_id, CRISIS)
    first = await aiohttp_client(create_app(telegram_settings, static=static_data))
    await post_update(first, update)
    answered = await all_sent(first, api)
    await first.close()

    again = await aiohttp_client(create_app(telegram_settings, static=static_data))  # the same database
    await post_update(again, update)
    await updates_handled(again.server.app)
    assert len(sent_to(api, chat_id)) == answered
    await post_update(again, text_update(chat_id, CRISIS))  # a new update is answered
    assert len(await api.wait_for("sendMessage", answered + 1)) > answered


@pytest.mark.xdist_group("redis")  # Redis is one server for every worker
async def test_with_redis_a_replayed_update_is_ignored_by_every_replica(aiohttp_client, telegram_settings,
                                                                      fake_api, static_data, new_database):
    api, _ = fake_api
    shared = Settings(**{**telegram_settings.model_dump(), "redis_url": "redis://127.0.0.1:6379/0"})
    chat_id = random.randint(10_000, 10_000_000)
    update = {**text_update(chat_id, CRISIS), "update_id": secrets.randbelow(10**12)}
    first = await aiohttp_client(create_app(shared, static=static_data))
    await post_update(first, update)
    answered = await all_sent(first, api)
    await first.close()
    # Another replica on another database: only Redis can know the update.
    other = Settings(**{**shared.model_dump(), "database_url": new_database("other.db")})
    second = await aiohttp_client(create_app(other, static=static_data))
    await post_update(second, update)
    await updates_handled(second.server.app)
    assert len(sent_to(api, chat_id)) == answered
    async with Redis.from_url("redis://127.0.0.1:6379/0") as redis:
        kept = [key async for key in redis.scan_iter(f"telegram:update:*:{update['update_id']}")]
        assert kept and 0 < await redis.ttl(kept[0]) <= SEEN_FOR.total_seconds()
        await redis.delete(*kept)


async def test_a_message_older_than_the_kept_ids_is_a_replay(aiohttp_client, telegram_settings, fake_api, static_data):
    """Telegram gives up delivering after a day; an older message can only be a replay."""
    api, _ = fake_api
    chat_id = random.randint(10_000, 10_000_000)
    update = text_update(chat_id, CRISIS)
    update["message"]["date"] = int(time.time() - SEEN_FOR.total_seconds() - 60)
    client = await aiohttp_client(create_app(telegram_settings, static=static_data))
    await post_update(client, update)
    await updates_handled(client.server.app)
    assert sent_to(api, chat_id) == []


async def test_update_ids_are_kept_for_a_day_then_deleted(aiohttp_client, telegram_settings, static_data):
    from channels.telegram_updates import DatabaseUpdateLog

    client = await aiohttp_client(create_app(telegram_settings, static=static_data))
    log = DatabaseUpdateLog(client.server.app[SESSIONS], bot_id=42)
    then = datetime.now(timezone.utc) - SEEN_FOR - timedelta(minutes=1)
    assert await log.first_time(7, now=then)
    assert not await log.first_time(7, now=then)
    await log.forget_old(now=datetime.now(timezone.utc))
    assert await log.first_time(7), "the old id is gone"


async def test_without_the_database_an_update_is_still_answered_not_dropped(tmp_path):
    """The id log is bookkeeping: a database that is down must not silence a user (a crisis too)."""
    from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

    from channels.telegram_updates import DatabaseUpdateLog

    engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path}/missing-folder/bot.db")
    try:
        log = DatabaseUpdateLog(async_sessionmaker(engine), bot_id=42)
        assert await log.first_time(7), "an update whose id cannot be noted is treated as new"
    finally:
        await engine.dispose()


async def test_an_answer_of_several_messages_is_paced(aiohttp_client, telegram_settings, fake_api):
    api, _ = fake_api
    client = await aiohttp_client(create_app(telegram_settings))
    chat_id = random.randint(10_000, 10_000_000)
    await post_update(client, text_update(chat_id, CRISIS))
    await api.wait_for("sendMessage")
    first = time.monotonic()
    assert len(await api.wait_for("sendMessage", 2)) >= 2, "the crisis answer has more than one message"
    assert time.monotonic() - first >= 0.8
