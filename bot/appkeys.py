"""Typed keys for the resources the app factory keeps on the aiohttp app."""
from __future__ import annotations

from aiohttp import ClientSession, web
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from bot.content.store import ContentStore
from bot.gateway.conversations import Conversations
from bot.gateway.gateway import Gateway
from bot.regions.directory import RegionDirectory
from bot.settings import Settings

SETTINGS = web.AppKey("settings", Settings)
ENGINE = web.AppKey("engine", AsyncEngine)
SESSIONS = web.AppKey("sessions", async_sessionmaker)
HTTP = web.AppKey("http", ClientSession)
CONTENT_STORE = web.AppKey("content_store", ContentStore)
GATEWAY = web.AppKey("gateway", Gateway)
REGIONS = web.AppKey("regions", RegionDirectory)
CONVERSATIONS = web.AppKey("conversations", Conversations)
REDIS = web.AppKey("redis", Redis | None)  # type: ignore[arg-type]
