"""The app factory of the bot service: shared resources, middlewares and every feature's routes."""
from __future__ import annotations

from datetime import timedelta
from typing import AsyncIterator

import aiohttp
from aiohttp import web
from cryptography.fernet import Fernet
from redis.asyncio import Redis

from bot import health
from bot.appkeys import (ACCOUNTS, APPROVALS, AUDIT, CHECK_RULES, CONTENT_EDITING, CONTENT_STORE, CONVERSATIONS,
                         ENGINE, GATEWAY, HANDOVERS, HTTP, HUB, INTAKE, LOGIN_ACCOUNT_LIMITER, LOGIN_LIMITER, REDIS,
                         REGION_EDITING, REGIONS, RELAY, RULE_EDITING, SESSIONS, SETTINGS, STAFF_SESSIONS)
from bot.checks import internal_api as rules_api
from bot.approvals import Approvals
from bot.checks.editing import RuleEditing
from bot.content import nlg
from bot.content.editing import ContentEditing
from bot.content.store import ContentStore, import_entries, is_empty
from bot.db.engine import create_tables, make_engine, session_factory
from bot.appkeys import CLIENT_LIMITS, HANDOVER_LIMITS
from bot.gateway.client_limits import ClientLimits, HandoverLimits
from bot.gateway.conversations import Conversations
from bot.gateway.gateway import Gateway
from bot.gateway.rasa_client import RasaClient
from bot.gateway.rate_limit import MemoryRateLimiter, RateLimiter, RedisRateLimiter
from bot.gateway.recent_clients import MemoryRecentClients, RecentClients, RedisRecentClients
from bot.handover import escalation
from bot.handover import internal_api as handover_api
from bot.handover.events import EventHub
from bot.handover.handovers import Handovers
from bot.handover.intake import IntakeNotes
from bot.handover.relay import Relay
from bot.handover.turns import HandoverTurns
from bot.staff.error_pages import staff_error_pages
from bot.client_address import forwarded_middleware, parse_networks
from bot.middlewares import errors, security_headers
from bot.periodic import every
from bot.regions import internal_api
from bot.regions.editing import RegionEditing
from bot.settings import Settings
from bot.staff import api as staff_api
from bot.staff import editor as staff_editor
from bot.staff import region_editor as staff_region_editor
from bot.staff import rule_editor as staff_rule_editor
from bot.staff import approval_pages as staff_approvals
from bot.staff import pages as staff_pages
from bot.staff import socket as staff_socket
from bot.staff import user_pages as staff_users
from bot.staff.accounts import Accounts
from bot.staff.audit import AuditLog
from bot.staff.login_limits import ACCOUNT_BURST_FACTOR
from bot.staff.sessions import StaffSessions
from bot.staff.training import TrainingPaths, setup_training
from bot.static_data import Sources, StaticData
from channels import rest, telegram, webchat

# Chat messages are short; this bounds what a client can make us read.
MAX_REQUEST_BYTES = 64 * 1024
PURGE_INTERVAL_SECONDS = 24 * 60 * 60
STATIC = web.AppKey("static", StaticData)


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
        await import_entries(sessions, app[STATIC].content_entries())
    await app[CONTENT_STORE].reload(sessions)
    yield


async def _redis(app: web.Application) -> AsyncIterator[None]:
    url = app[SETTINGS].redis_url
    app[REDIS] = Redis.from_url(url) if url else None
    yield
    if app[REDIS] is not None:
        await app[REDIS].aclose()


def _rate_limiter(app: web.Application, burst: int, per_minute: float) -> RateLimiter:
    if app[REDIS] is not None:
        return RedisRateLimiter(app[REDIS], burst, per_minute)
    return MemoryRateLimiter(burst, per_minute)


async def _handovers(app: web.Application) -> AsyncIterator[None]:
    """The event hub and what uses it: handovers and the live relay, content and region editing;
    the staff accounts, sessions and audit log."""
    settings, sessions = app[SETTINGS], app[SESSIONS]
    fernet = Fernet(settings.encryption_key.get_secret_value().encode())
    app[CONVERSATIONS] = Conversations(sessions, settings.encryption_key.get_secret_value())
    app[HUB] = EventHub(app[REDIS])
    app[HANDOVERS] = Handovers(sessions, fernet)
    app[INTAKE] = IntakeNotes(sessions, fernet)
    app[RELAY] = Relay(app[HANDOVERS], app[HUB], app[CONVERSATIONS].address_of)
    app[ACCOUNTS] = Accounts(sessions, fernet, hash_cost=settings.password_hash_cost)
    app[STAFF_SESSIONS] = StaffSessions(sessions, timedelta(minutes=settings.staff_idle_minutes),
                                        timedelta(hours=settings.staff_session_hours), app[HUB])
    app[AUDIT] = AuditLog(sessions)
    app[LOGIN_LIMITER] = _rate_limiter(app, settings.login_attempts_burst, settings.login_attempts_per_minute)
    app[LOGIN_ACCOUNT_LIMITER] = _rate_limiter(app, settings.login_attempts_burst * ACCOUNT_BURST_FACTOR,
                                               settings.login_attempts_per_minute)
    app[CONTENT_EDITING] = ContentEditing(sessions, app[CONTENT_STORE], app[HUB], app[CHECK_RULES],
                                          app[STATIC].safety_contacts)
    app[REGION_EDITING] = RegionEditing(sessions, app[REGIONS], app[HUB])
    app[APPROVALS] = Approvals(sessions)
    if await app[REGION_EDITING].entries():
        await app[REGION_EDITING].load()
    else:
        await app[REGION_EDITING].import_file(settings.regions_file)
    app[RULE_EDITING] = RuleEditing(sessions, app[CHECK_RULES], app[HUB])
    await app[RULE_EDITING].load_or_import(settings.check_rules_file)
    await app[HUB].start()
    yield
    await app[HUB].stop()


def _client_limits(app: web.Application) -> None:
    """Per client address and per conversation, shared by the replicas through Redis when there is one."""
    settings = app[SETTINGS]
    recent: RecentClients = RedisRecentClients(app[REDIS]) if app[REDIS] is not None else MemoryRecentClients()
    app[CLIENT_LIMITS] = ClientLimits(
        settings.secret_key.get_secret_value(),
        _rate_limiter(app, settings.client_starts_burst, settings.client_starts_per_minute),
        _rate_limiter(app, settings.client_messages_burst, settings.client_messages_per_minute),
        settings.client_max_sockets, recent)
    app[HANDOVER_LIMITS] = HandoverLimits(
        _rate_limiter(app, settings.handovers_per_conversation_per_day,
                      settings.handovers_per_conversation_per_day / (24 * 60)),
        _rate_limiter(app, settings.handovers_per_client_per_hour, settings.handovers_per_client_per_hour / 60),
        recent)


async def _gateway(app: web.Application) -> AsyncIterator[None]:
    settings, static = app[SETTINGS], app[STATIC]
    _client_limits(app)
    async with aiohttp.ClientSession() as session:
        app[HTTP] = session
        rasa = RasaClient(session, settings.rasa_url, settings.gateway_token.get_secret_value(),
                          settings.rasa_token.get_secret_value(), settings.rasa_timeout_seconds,
                          max_concurrent=settings.rasa_max_concurrent,
                          slot_wait_seconds=settings.rasa_slot_wait_seconds)
        app[GATEWAY] = Gateway(
            rasa, app[CONTENT_STORE], static.crisis_phrases,
            static.language_guesser, static.redactor, app[CONVERSATIONS],
            _rate_limiter(app, settings.rate_limit_burst, settings.rate_limit_per_minute),
            settings.secret_key.get_secret_value(), settings.max_message_chars,
            app[RELAY], app[INTAKE],
            HandoverTurns(app[RELAY], app[CONTENT_STORE], app[REGIONS], settings.handover_response_minutes),
            clients=app[CLIENT_LIMITS], crisis_wait_seconds=settings.crisis_wait_seconds)
        yield
        await app[GATEWAY].close()


async def _purge(app: web.Application) -> None:
    """Deletes idle conversations and old handovers (`bot purge` does the same by hand)."""
    await app[CONVERSATIONS].purge(app[SETTINGS].retention_days)
    _, gone = await app[HANDOVERS].purge(app[SETTINGS].retention_days)
    for handover in gone:
        await app[RELAY].staff_event("closed", handover)


def create_app(settings: Settings, training_paths: TrainingPaths | None = None, *,
               static: StaticData | None = None) -> web.Application:
    """`training_paths`: where retraining finds Rasa, the data and the models (tests use a copy).
    `static`: the files the settings name, already read (tests read them once for every app);
    read here when not given."""
    if static is None:
        static = StaticData.read(settings)
    elif static.sources != Sources.of(settings):
        raise ValueError("the static data was read from other files than the settings name")
    # First: every later middleware and route sees the real client address as request.remote.
    forwarded = forwarded_middleware(parse_networks(settings.trusted_proxies))
    app = web.Application(middlewares=[forwarded, errors, staff_error_pages],
                          client_max_size=MAX_REQUEST_BYTES)
    app[SETTINGS], app[STATIC] = settings, static
    app.on_response_prepare.append(security_headers(https=settings.secure_cookies))
    app[CONTENT_STORE] = ContentStore()
    app[REGIONS] = static.region_directory()
    app[CHECK_RULES] = static.check_rules()
    app.cleanup_ctx.extend([_database, _content, _redis, _handovers, _gateway, telegram.telegram_context,
                            every(PURGE_INTERVAL_SECONDS, _purge, "purge"),
                            every(escalation.CHECK_EVERY_SECONDS, escalation.escalate_now, "escalation")])
    staff_pages.setup_templates(app)
    for feature in (health.routes, nlg.routes, rest.routes, webchat.routes, telegram.routes,
                    internal_api.routes, handover_api.routes, rules_api.routes, staff_api.routes,
                    staff_pages.routes, staff_editor.routes, staff_region_editor.routes, staff_rule_editor.routes,
                    staff_approvals.routes, staff_users.routes,
                    staff_socket.routes):
        app.add_routes(feature)
    # A copy of the project (in tests) reads its own NLU examples.
    setup_training(app, settings, training_paths, static.training_data if training_paths is None else None)
    return app
