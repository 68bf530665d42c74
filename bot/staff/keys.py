"""Typed app keys of the staff side: accounts, sessions, the audit log, the login limits
(bot/staff/login_limits.py) and the inbox."""
from __future__ import annotations

from aiohttp import web

from bot.gateway.rate_limit import RateLimiter
from bot.staff.accounts import Accounts
from bot.staff.audit import AuditLog
from bot.staff.inbox import Inbox
from bot.staff.sessions import StaffSessions

ACCOUNTS = web.AppKey("accounts", Accounts)
STAFF_SESSIONS = web.AppKey("staff_sessions", StaffSessions)
AUDIT = web.AppKey("audit", AuditLog)
# Login attempts per client address, and per account across all addresses.
LOGIN_LIMITER = web.AppKey("login_limiter", RateLimiter)
LOGIN_ACCOUNT_LIMITER = web.AppKey("login_account_limiter", RateLimiter)
INBOX = web.AppKey("inbox", Inbox)
