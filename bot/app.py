"""The app factory of the bot service: shared resources, middlewares and every feature's routes."""
from __future__ import annotations

from typing import AsyncIterator

import aiohttp
from aiohttp import web

from bot import health
from bot.appkeys import CONTENT_STORE, ENGINE, GATEWAY, HTTP, REGIONS, SESSIONS, SETTINGS
from bot.content import nlg
from bot.content.store import ContentStore, import_directory, is_empty
from bot.db.engine import create_tables, make_engine, session_factory
from bot.gateway.crisis import CrisisPhrases
from bot.gateway.gateway import Gateway
from bot.gateway.language import LanguageGuesser
from bot.gateway.rasa_client import RasaClient
from bot.middlewares import errors, security_headers
from bot.regions import internal_api
from bot.regions.directory import RegionDirectory
from bot.settings import Settings
from channels import rest

# Chat messages are short; this bounds what a client can make us read.
MAX_REQUEST_BYTES = 64 * 1024


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


async def _gateway(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    async with aiohttp.ClientSession() as session:
        app[HTTP] = session
        rasa = RasaClient(session, settings.rasa_url, settings.rasa_token.get_secret_value(),
                          settings.rasa_timeout_seconds)
        app[GATEWAY] = Gateway(
            rasa, app[CONTENT_STORE], CrisisPhrases.from_file(settings.crisis_phrases_file),
            LanguageGuesser(), settings.secret_key.get_secret_value(), settings.max_message_chars)
        yield


def create_app(settings: Settings) -> web.Application:
    app = web.Application(middlewares=[errors, security_headers], client_max_size=MAX_REQUEST_BYTES)
    app[SETTINGS] = settings
    app[CONTENT_STORE] = ContentStore()
    app[REGIONS] = RegionDirectory.from_files(settings.gemeenten_file, settings.regions_file)
    app.cleanup_ctx.extend([_database, _content, _gateway])
    for feature in (health.routes, nlg.routes, rest.routes, internal_api.routes):
        app.add_routes(feature)
    return app
