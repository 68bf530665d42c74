"""Typed keys for what every part of the app factory shares: settings, the database, the HTTP
client, Redis, the event hub, the staff group and approvals. A feature keeps its own keys next
to it (bot/<feature>/keys.py), so a route module depends only on the features it uses."""
from __future__ import annotations

from aiohttp import ClientSession, web
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from bot.approvals import Approvals
from bot.events import EventHub
from bot.redis_outage import RedisOutage
from bot.settings import Settings
from bot.staff_group import StaffGroup

SETTINGS = web.AppKey("settings", Settings)
ENGINE = web.AppKey("engine", AsyncEngine)
SESSIONS = web.AppKey("sessions", async_sessionmaker)
HTTP = web.AppKey("http", ClientSession)
REDIS = web.AppKey[Redis | None]("redis")  # a union is no class: typed by subscription
REDIS_OUTAGE = web.AppKey("redis_outage", RedisOutage)
HUB = web.AppKey("hub", EventHub)
STAFF_GROUP = web.AppKey("staff_group", StaffGroup)
APPROVALS = web.AppKey("approvals", Approvals)
