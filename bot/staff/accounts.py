"""Staff accounts: roles, argon2id passwords, TOTP second factor (secrets stored encrypted, each
code accepted once). Never logs passwords, codes or secrets.
"""
from __future__ import annotations

import secrets
import time
from dataclasses import dataclass

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from cryptography.fernet import Fernet
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import async_sessionmaker

from bot.db.models import StaffUser

ROLES = ("worker", "coordinator", "editor", "admin")
# A code is valid in its own 30-second step and the one before (a slow typist, a clock a bit off).
TOTP_PAST_STEPS = 1
_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
# Verifying against this when the e-mail is unknown keeps both cases equally slow.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


class AccountError(ValueError):
    pass


@dataclass(frozen=True)
class NewAccount:
    email: str
    password: str
    totp_secret: str


class Accounts:
    def __init__(self, sessions: async_sessionmaker, fernet: Fernet) -> None:
        self._sessions = sessions
        self._fernet = fernet

    async def add(self, email: str, role: str, regions: list[str], display_name: str) -> NewAccount:
        email = email.strip().lower()
        if role not in ROLES:
            raise AccountError(f"role must be one of {', '.join(ROLES)}")
        if "@" not in email:
            raise AccountError("give an e-mail address")
        if role in ("worker", "coordinator") and not regions:
            raise AccountError(f"a {role} needs at least one --region")
        password, totp_secret = secrets.token_urlsafe(15), pyotp.random_base32()
        async with self._sessions() as session, session.begin():
            if await session.scalar(select(StaffUser.id).where(StaffUser.email == email)) is not None:
                raise AccountError(f"{email} already has an account")
            session.add(StaffUser(
                email=email, display_name=display_name.strip() or email.split("@")[0], role=role,
                regions=sorted(set(regions)) if role in ("worker", "coordinator") else [],
                password_hash=_hasher.hash(password),
                totp_secret=self._fernet.encrypt(totp_secret.encode())))
        return NewAccount(email, password, totp_secret)

    async def verify(self, email: str, password: str, code: str) -> StaffUser | None:
        """The user when password and a fresh TOTP code are right; None otherwise (no reason
        given, so the answer does not tell which part was wrong)."""
        async with self._sessions() as session, session.begin():
            user = await session.scalar(select(StaffUser).where(
                StaffUser.email == email.strip().lower(), StaffUser.active.is_(True)))
            try:
                _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
            except (VerificationError, InvalidHashError):
                return None
            if user is None:
                return None
            step = self._totp_step(user, code)
            if step is None:
                return None
            # Conditional update: two logins racing with the same code cannot both win.
            result = await session.execute(update(StaffUser).where(
                StaffUser.id == user.id, StaffUser.totp_last_step < step).values(totp_last_step=step))
            if result.rowcount != 1:
                return None
            if _hasher.check_needs_rehash(user.password_hash):
                user.password_hash = _hasher.hash(password)
        return user

    def _totp_step(self, user: StaffUser, code: str) -> int | None:
        totp = pyotp.TOTP(self._fernet.decrypt(user.totp_secret).decode())
        now_step = int(time.time()) // totp.interval
        code = "".join(code.split())
        for step in range(now_step, now_step - TOTP_PAST_STEPS - 1, -1):
            if secrets.compare_digest(totp.generate_otp(step), code):
                return step
        return None

    async def get(self, user_id: int) -> StaffUser | None:
        async with self._sessions() as session:
            return await session.get(StaffUser, user_id)

    async def all(self) -> list[StaffUser]:
        async with self._sessions() as session:
            return list((await session.scalars(select(StaffUser).order_by(StaffUser.email))).all())

    async def count(self) -> int:
        async with self._sessions() as session:
            return await session.scalar(select(func.count(StaffUser.id))) or 0
