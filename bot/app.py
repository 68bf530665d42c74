"""The app factory of the bot service: shared resources, middlewares and every feature's routes."""
from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import AsyncIterator

import aiohttp
from aiohttp import web
from redis.asyncio import Redis
from sqlalchemy.exc import SQLAlchemyError

from bot import health
from bot.appkeys import (CONTENT_STORE, CONVERSATIONS, ENGINE, GATEWAY, HTTP, REDIS, REGIONS,
                         SESSIONS, SETTINGS)
from bot.content import nlg
from bot.content.store import ContentStore, import_directory, is_empty
from bot.db.engine import create_tables, make_engine, session_factory
from bot.gateway.conversations import Conversations
from bot.gateway.crisis import CrisisPhrases
from bot.gateway.gateway import Gateway
from bot.gateway.language import LanguageGuesser
from bot.gateway.rasa_client import RasaClient
from bot.gateway.rate_limit import MemoryRateLimiter, RateLimiter, RedisRateLimiter
from bot.middlewares import errors, security_headers
from bot.privacy.redactor import Redactor
from bot.regions import internal_api
from bot.regions.directory import RegionDirectory
from bot.settings import Settings
from channels import rest, telegram, webchat

# Chat messages are short; this bounds what a client can make us read.
MAX_REQUEST_BYTES = 64 * 1024
PURGE_INTERVAL_SECONDS = 24 * 60 * 60
log = logging.getLogger(__name__)


async def _database(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    engine = make_engine(settings.database_url)
    await create_tables(engine)
    app[ENGINE] = engine
    app[SESSIONS] = session_factory(engine)
    yield
    await engine.dispose()


async def _content(app: web.Application) -> AsyncIterator[None]:
    sessions = app[SESSIONS]
    if await is_empty(sessions):
        await import_directory(sessions, app[SETTINGS].content_dir)
    await app[CONTENT_STORE].reload(sessions)
    yield


async def _redis(app: web.Application) -> AsyncIterator[None]:
    url = app[SETTINGS].redis_url
    app[REDIS] = Redis.from_url(url) if url else None
    yield
    if app[REDIS] is not None:
        await app[REDIS].aclose()


def _rate_limiter(app: web.Application) -> RateLimiter:
    settings = app[SETTINGS]
    if app[REDIS] is not None:
        return RedisRateLimiter(app[REDIS], settings.rate_limit_burst, settings.rate_limit_per_minute)
    return MemoryRateLimiter(settings.rate_limit_burst, settings.rate_limit_per_minute)


async def _gateway(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    async with aiohttp.ClientSession() as session:
        app[HTTP] = session
        rasa = RasaClient(session, settings.rasa_url, settings.rasa_token.get_secret_value(),
                          settings.rasa_timeout_seconds)
        app[CONVERSATIONS] = Conversations(app[SESSIONS], settings.encryption_key.get_secret_value())
        app[GATEWAY] = Gateway(
            rasa, app[CONTENT_STORE], CrisisPhrases.from_file(settings.crisis_phrases_file),
            LanguageGuesser(), Redactor(), app[CONVERSATIONS], _rate_limiter(app),
            settings.secret_key.get_secret_value(), settings.max_message_chars)
        yield


async def _retention(app: web.Application) -> AsyncIterator[None]:
    """Deletes idle conversations at start and then daily (`bot purge` does the same by hand)."""
    async def purge_daily() -> None:
        while True:
            try:
                await app[CONVERSATIONS].purge(app[SETTINGS].retention_days)
            except SQLAlchemyError:
                log.error("purge_failed")
            await asyncio.sleep(PURGE_INTERVAL_SECONDS)

    task = asyncio.create_task(purge_daily())
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task  # before the engine is disposed under it


def create_app(settings: Settings) -> web.Application:
    app = web.Application(middlewares=[errors, security_headers], client_max_size=MAX_REQUEST_BYTES)
    app[SETTINGS] = settings
    app[CONTENT_STORE] = ContentStore()
    app[REGIONS] = RegionDirectory.from_files(settings.gemeenten_file, settings.regions_file)
    app.cleanup_ctx.extend([_database, _content, _redis, _gateway, telegram.telegram_context, _retention])
    for feature in (health.routes, nlg.routes, rest.routes, webchat.routes, telegram.routes,
                    internal_api.routes):
        app.add_routes(feature)
    return app
