"""How often someone may try to log in, and the lock after a burst of wrong TOTP codes.

Three token buckets (burst, then a steady pace), all taken on every attempt, right or wrong:
- per client address (`request.remote`, the real client behind TRUSTED_PROXIES): one address
  trying many accounts;
- per (account, client address): one address guessing one account's password;
- per account across all addresses, with a burst ACCOUNT_BURST_FACTOR times larger: many
  addresses guessing one account. When it is empty a wrong attempt gets "too many attempts", but
  a right password with a right code still logs in: an attacker elsewhere can slow the guessing
  on an account, never lock its owner out. The owner's own address has buckets of its own.

The TOTP lock: TOTP_FAILURES_BEFORE_LOCK wrong codes after a right password within TOTP_WINDOW
mean someone has the password. The account then takes no code at all (every login fails with the
usual answer) until fewer than that many wrong codes remain within the past TOTP_WINDOW, or an
admin resets the account's TOTP secret or password; the admins are told (audit log, staff group).
The counts are the audit log's rows, so every replica sees the same. Never logs e-mail
addresses, client addresses, passwords or codes.
"""
from __future__ import annotations

import hashlib
from datetime import datetime, timedelta, timezone

from bot.db.models import utcnow
from bot.gateway.rate_limit import RateLimiter
from bot.staff.audit import AuditLog, about_account

ACCOUNT_BURST_FACTOR = 4
TOTP_FAILURES_BEFORE_LOCK = 5
TOTP_WINDOW = timedelta(hours=1)
# An admin's reset ends a lock: failures before it do not count.
UNLOCKING_ACTIONS = ("account_totp_reset", "account_password_reset")
TOTP_FAILED, TOTP_LOCKED, TOTP_BURST = "login_totp_failed", "login_totp_locked", "login_totp_burst"


def _digest(text: str) -> str:
    """Bucket keys hold no e-mail or address in the clear (Redis keeps them for a while)."""
    return hashlib.sha256(text.encode()).hexdigest()[:32]


class LoginLimits:
    def __init__(self, per_address: RateLimiter, per_account: RateLimiter) -> None:
        self._per_address, self._per_account = per_address, per_account

    async def address_allows(self, email: str, client: str) -> bool:
        """Both per-address buckets (each attempt takes from both, so neither can be saved up)."""
        email = email.strip().lower()
        client_ok = await self._per_address.allow("login-client:" + _digest(client))
        pair_ok = await self._per_address.allow("login-pair:" + _digest(email + "\n" + client))
        return client_ok and pair_ok

    async def account_allows(self, email: str) -> bool:
        return await self._per_account.allow("login-account:" + _digest(email.strip().lower()))


class TotpLock:
    def __init__(self, audit: AuditLog) -> None:
        self._audit = audit

    async def locked(self, user_id: int, now: datetime | None = None) -> bool:
        return await self._failures(user_id, now) >= TOTP_FAILURES_BEFORE_LOCK

    async def failed(self, user_id: int, detail: str = "", now: datetime | None = None) -> bool:
        """Records a wrong code after a right password; True when it starts a lock (the admins
        are to be told: a `login_totp_burst` row is written here, once per lock)."""
        await self._audit.record(user_id, TOTP_FAILED, detail=detail)
        since = await self._since(user_id, now)
        if await self._audit.count(user_id, TOTP_FAILED, since) < TOTP_FAILURES_BEFORE_LOCK:
            return False
        if await self._audit.count(user_id, TOTP_BURST, since) > 0:
            return False
        await self._audit.record(user_id, TOTP_BURST)
        return True

    async def _failures(self, user_id: int, now: datetime | None) -> int:
        return await self._audit.count(user_id, TOTP_FAILED, await self._since(user_id, now))

    async def _since(self, user_id: int, now: datetime | None) -> datetime:
        since = (now or utcnow()) - TOTP_WINDOW
        reset = await self._audit.latest(UNLOCKING_ACTIONS, about_account(user_id))
        if reset is not None:
            reset = reset if reset.tzinfo else reset.replace(tzinfo=timezone.utc)
            since = max(since, reset)
        return since
