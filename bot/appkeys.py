"""Typed keys for the resources the app factory keeps on the aiohttp app."""
from __future__ import annotations

from aiohttp import ClientSession, web
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from bot.approvals import Approvals
from bot.checks.editing import RuleEditing
from bot.checks.rules import Rule
from bot.content.editing import ContentEditing
from bot.content.store import ContentStore
from bot.gateway.client_limits import ClientLimits, HandoverLimits
from bot.gateway.conversations import Conversations
from bot.gateway.gateway import Gateway
from bot.gateway.rate_limit import RateLimiter
from bot.events import EventHub
from bot.handover.escalation import Escalation
from bot.handover.handovers import Handovers
from bot.handover.intake import IntakeNotes
from bot.handover.relay import Relay
from bot.regions.directory import RegionDirectory
from bot.regions.editing import RegionEditing
from bot.settings import Settings
from bot.staff_group import StaffGroup
from bot.staff.accounts import Accounts
from bot.staff.audit import AuditLog
from bot.staff.inbox import Inbox
from bot.staff.sessions import StaffSessions

SETTINGS = web.AppKey("settings", Settings)
ENGINE = web.AppKey("engine", AsyncEngine)
SESSIONS = web.AppKey("sessions", async_sessionmaker)
HTTP = web.AppKey("http", ClientSession)
CONTENT_STORE = web.AppKey("content_store", ContentStore)
GATEWAY = web.AppKey("gateway", Gateway)
REGIONS = web.AppKey("regions", RegionDirectory)
CONVERSATIONS = web.AppKey("conversations", Conversations)
REDIS = web.AppKey("redis", Redis | None)  # type: ignore[arg-type]
HUB = web.AppKey("hub", EventHub)
HANDOVERS = web.AppKey("handovers", Handovers)
INTAKE = web.AppKey("intake", IntakeNotes)
RELAY = web.AppKey("relay", Relay)
ACCOUNTS = web.AppKey("accounts", Accounts)
STAFF_SESSIONS = web.AppKey("staff_sessions", StaffSessions)
AUDIT = web.AppKey("audit", AuditLog)
LOGIN_LIMITER = web.AppKey("login_limiter", RateLimiter)
# Per client address on the public channels, and on handover requests (bot/gateway/client_limits.py).
CLIENT_LIMITS = web.AppKey("client_limits", ClientLimits)
HANDOVER_LIMITS = web.AppKey("handover_limits", HandoverLimits)
# Login attempts per account across all addresses (bot/staff/login_limits.py).
LOGIN_ACCOUNT_LIMITER = web.AppKey("login_account_limiter", RateLimiter)
CONTENT_EDITING = web.AppKey("content_editing", ContentEditing)
REGION_EDITING = web.AppKey("region_editing", RegionEditing)
CHECK_RULES = web.AppKey("check_rules", dict[str, Rule])
RULE_EDITING = web.AppKey("rule_editing", RuleEditing)
APPROVALS = web.AppKey("approvals", Approvals)
INBOX = web.AppKey("inbox", Inbox)
ESCALATION = web.AppKey("escalation", Escalation)
STAFF_GROUP = web.AppKey("staff_group", StaffGroup)
