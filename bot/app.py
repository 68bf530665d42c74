"""The app factory of the bot service: shared resources, middlewares and every feature's routes."""
from __future__ import annotations

from datetime import timedelta
from typing import AsyncIterator

import aiohttp
from aiohttp import web
from cryptography.fernet import Fernet
from redis.asyncio import Redis

from bot import health
from bot.appkeys import APPROVALS, ENGINE, HTTP, HUB, REDIS, REDIS_OUTAGE, SESSIONS, SETTINGS, STAFF_GROUP
from bot.checks.keys import CHECK_RULES, RULE_EDITING
from bot.content.keys import CONTENT_EDITING, CONTENT_STORE
from bot.gateway.keys import CLIENT_LIMITS, CONVERSATIONS, GATEWAY, HANDOVER_LIMITS
from bot.handover.keys import ESCALATION, HANDOVERS, INTAKE, RELAY
from bot.nlu.keys import PHRASINGS, RETRAIN_JOBS
from bot.regions.keys import REGION_EDITING, REGIONS
from bot.staff.keys import ACCOUNTS, AUDIT, INBOX, LOGIN_ACCOUNT_LIMITER, LOGIN_LIMITER, STAFF_SESSIONS
from bot.approvals import Approvals
from bot.checks.editing import RuleEditing
from bot.content import nlg
from bot.content.editing import ContentEditing
from bot.content.store import ContentStore, import_entries, is_empty
from bot.db.engine import make_engine, session_factory
from bot.db.schema import require_current
from bot.gateway.client_limits import ClientLimits, HandoverLimits
from bot.gateway.conversations import Conversations
from bot.gateway.gateway import Gateway
from bot.gateway.rasa_client import RasaClient
from bot.gateway.rate_limit import MemoryRateLimiter, RateLimiter, RedisRateLimiter
from bot.gateway.recent_clients import MemoryRecentClients, RecentClients, RedisRecentClients
from bot.events import EventHub
from bot.handover.escalation import CHECK_EVERY_SECONDS as ESCALATION_CHECK_SECONDS
from bot.handover.escalation import Escalation
from bot.handover.notices import UserNotices
from bot.internal_api import PREFIX as INTERNAL_PREFIX
from bot.internal_api import internal_app
from bot.handover.handovers import Handovers
from bot.handover.intake import IntakeNotes
from bot.handover.relay import Relay
from bot.handover.turns import HandoverTurns
from bot.staff.error_pages import staff_error_pages
from bot.client_address import forwarded_middleware, parse_networks
from bot.middlewares import errors, security_headers
from bot.nlu.phrasings import Phrasings
from bot.nlu.retrain_jobs import RetrainJobs
from bot.nlu.training_data import EDITOR_FILE
from bot.periodic import every
from bot.rasa_replicas import RasaReplicas
from bot.redis_outage import RedisOutage
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
from bot.staff.auth import staff_access
from bot.staff.inbox import Inbox
from bot.staff.inbox_http import inbox_errors
from bot.staff.login_limits import ACCOUNT_BURST_FACTOR
from bot.staff.sessions import StaffSessions
from bot.staff import training as staff_training
from bot.staff_group import StaffGroup
from bot.static_data import Sources, StaticData
from channels import rest, telegram, webchat

# Chat messages are short; this bounds what a client can make us read.
MAX_REQUEST_BYTES = 64 * 1024
PURGE_INTERVAL_SECONDS = 24 * 60 * 60
STATIC = web.AppKey("static", StaticData)


async def _database(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    engine = make_engine(settings.database_url, pool_size=settings.database_pool_size,
                         max_overflow=settings.database_max_overflow)
    try:
        # Only `bot db upgrade` changes the schema, run once per deployment: replicas starting
        # together must never race to migrate.
        await require_current(engine)
    except BaseException:
        await engine.dispose()
        raise
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
    app[REDIS_OUTAGE] = RedisOutage()
    yield
    if (redis := app[REDIS]) is not None:
        await redis.aclose()


def _rate_limiter(app: web.Application, burst: int, per_minute: float, *, fail_closed: bool = False) -> RateLimiter:
    """`fail_closed`: with Redis down, refuse (logins) rather than count in this replica's memory."""
    if (redis := app[REDIS]) is not None:
        return RedisRateLimiter(redis, burst, per_minute, fail_closed=fail_closed, outage=app[REDIS_OUTAGE])
    return MemoryRateLimiter(burst, per_minute)


async def _handovers(app: web.Application) -> AsyncIterator[None]:
    """The event hub and what uses it: handovers and the live relay, content and region editing;
    the staff accounts, sessions and audit log."""
    settings, sessions = app[SETTINGS], app[SESSIONS]
    fernet = Fernet(settings.encryption_key.get_secret_value().encode())
    app[CONVERSATIONS] = Conversations(sessions, settings.encryption_key.get_secret_value())
    app[HUB] = EventHub(app[REDIS], app[REDIS_OUTAGE])
    app[HANDOVERS] = Handovers(sessions, fernet)
    app[INTAKE] = IntakeNotes(sessions, fernet)
    app[RELAY] = Relay(app[HANDOVERS], app[HUB], app[CONVERSATIONS].address_of)
    app[ACCOUNTS] = Accounts(sessions, fernet, hash_cost=settings.password_hash_cost)
    app[STAFF_SESSIONS] = StaffSessions(sessions, timedelta(minutes=settings.staff_idle_minutes),
                                        timedelta(hours=settings.staff_session_hours), app[HUB])
    app[AUDIT] = AuditLog(sessions)
    app[LOGIN_LIMITER] = _rate_limiter(app, settings.login_attempts_burst, settings.login_attempts_per_minute,
                                       fail_closed=True)
    app[LOGIN_ACCOUNT_LIMITER] = _rate_limiter(app, settings.login_attempts_burst * ACCOUNT_BURST_FACTOR,
                                               settings.login_attempts_per_minute, fail_closed=True)
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
    redis = app[REDIS]
    recent: RecentClients = (RedisRecentClients(redis, outage=app[REDIS_OUTAGE]) if redis is not None
                             else MemoryRecentClients())
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
        _staff_services(app, session)
        rasa = RasaClient(session, RasaReplicas(settings.rasa_replicas), settings.gateway_token.get_secret_value(),
                          settings.rasa_token.get_secret_value(), settings.rasa_timeout_seconds,
                          max_concurrent=settings.rasa_max_concurrent,
                          slot_wait_seconds=settings.rasa_slot_wait_seconds)
        app[GATEWAY] = Gateway(
            rasa=rasa, store=app[CONTENT_STORE], phrases=static.crisis_phrases,
            guesser=static.language_guesser, redactor=static.redactor, conversations=app[CONVERSATIONS],
            limiter=_rate_limiter(app, settings.rate_limit_burst, settings.rate_limit_per_minute),
            clients=app[CLIENT_LIMITS], handovers=app[HANDOVERS], relay=app[RELAY], intake=app[INTAKE],
            turns=HandoverTurns(handovers=app[HANDOVERS], relay=app[RELAY], store=app[CONTENT_STORE],
                                regions=app[REGIONS], response_minutes=settings.handover_response_minutes),
            secret_key=settings.secret_key.get_secret_value(), max_chars=settings.max_message_chars,
            crisis_wait_seconds=settings.crisis_wait_seconds)
        yield
        await app[GATEWAY].close()


async def _training(app: web.Application) -> AsyncIterator[None]:
    """Editors' phrasings (a fresh database takes those of the committed file) and the queue of
    retrain jobs; the retraining itself runs in a worker process (bot/nlu/retrain_worker.py)."""
    settings, sessions = app[SETTINGS], app[SESSIONS]
    app[PHRASINGS] = Phrasings(sessions, app[STATIC].training_data)
    await app[PHRASINGS].seed(settings.nlu_dir / EDITOR_FILE)
    app[RETRAIN_JOBS] = RetrainJobs(sessions)
    yield


def _staff_services(app: web.Application, http: aiohttp.ClientSession) -> None:
    """The staff Telegram group, escalation and the inbox: built from their collaborators."""
    settings = app[SETTINGS]
    token = settings.telegram_token.get_secret_value() if settings.telegram_token else None
    app[STAFF_GROUP] = StaffGroup(http, settings.telegram_api_url, token, settings.staff_telegram_chat_id)
    notices = UserNotices(app[CONTENT_STORE], app[CONVERSATIONS].language_of)
    app[ESCALATION] = Escalation(handovers=app[HANDOVERS], relay=app[RELAY], regions=app[REGIONS],
                                 notices=notices, group=app[STAFF_GROUP],
                                 after=timedelta(minutes=settings.handover_escalate_minutes))
    app[INBOX] = Inbox(handovers=app[HANDOVERS], relay=app[RELAY], audit=app[AUDIT], regions=app[REGIONS],
                       store=app[CONTENT_STORE], notices=notices)


async def _escalate(app: web.Application) -> None:
    await app[ESCALATION].escalate_due()


async def _purge(app: web.Application) -> None:
    """Deletes idle conversations, old handovers, unfinished handover forms' notes and ended staff
    sessions (`bot purge` does the same by hand)."""
    await app[CONVERSATIONS].purge(app[SETTINGS].retention_days)
    await app[INTAKE].purge(app[SETTINGS].retention_days)
    await app[STAFF_SESSIONS].purge()
    _, gone = await app[HANDOVERS].purge(app[SETTINGS].retention_days)
    for handover in gone:
        await app[RELAY].staff_event("closed", handover)


def create_app(settings: Settings, *, static: StaticData | None = None) -> web.Application:
    """`static`: the files the settings name, already read (tests read them once for every app);
    read here when not given."""
    if static is None:
        static = StaticData.read(settings)
    elif static.sources != Sources.of(settings):
        raise ValueError("the static data was read from other files than the settings name")
    # First: every later middleware and route sees the real client address as request.remote.
    forwarded = forwarded_middleware(parse_networks(settings.trusted_proxies))
    # Staff access inside the error pages, so a refusal is a Dutch page; inbox refusals as HTTP.
    app = web.Application(middlewares=[forwarded, errors, staff_error_pages, staff_access, inbox_errors],
                          client_max_size=MAX_REQUEST_BYTES)
    app[SETTINGS], app[STATIC] = settings, static
    app.on_response_prepare.append(security_headers(https=settings.secure_cookies))
    app[CONTENT_STORE] = ContentStore()
    app[REGIONS] = static.region_directory()
    app[CHECK_RULES] = static.check_rules()
    app.cleanup_ctx.extend([_database, _content, _redis, _handovers, _gateway, _training,
                            telegram.telegram_context,
                            every(PURGE_INTERVAL_SECONDS, _purge, "purge"),
                            every(ESCALATION_CHECK_SECONDS, _escalate, "escalation")])
    staff_pages.setup_templates(app)
    for feature in (health.routes, nlg.routes, rest.routes, webchat.routes, telegram.routes,
                    staff_api.routes,
                    staff_pages.routes, staff_editor.routes, staff_region_editor.routes, staff_rule_editor.routes,
                    staff_approvals.routes, staff_users.routes,
                    staff_socket.routes, staff_training.routes):
        app.add_routes(feature)
    app.add_subapp(INTERNAL_PREFIX, internal_app(settings.internal_token.get_secret_value(), MAX_REQUEST_BYTES))
    return app
