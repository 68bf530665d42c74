"""Staff accounts: roles, argon2id passwords, TOTP second factor (secrets stored encrypted, each
code accepted once), and their lifecycle: disable, enable, new password or TOTP secret, role and
regions, delete. There is always at least one active admin. Never logs passwords, codes or secrets.
"""
from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from typing import Callable, Literal

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from cryptography.fernet import Fernet
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.models import StaffUser

ROLES = ("worker", "coordinator", "editor", "admin")
REGIONAL_ROLES = ("worker", "coordinator")
# A code is valid in its own 30-second step and the one before (a slow typist, a clock a bit off).
TOTP_PAST_STEPS = 1
HashCost = Literal["standard", "test"]


class _Hashing:
    def __init__(self, hasher: PasswordHasher) -> None:
        self.hasher = hasher
        self._dummy_hash: str | None = None

    @property
    def dummy_hash(self) -> str:
        """Verified against when the e-mail is unknown, which keeps both cases equally slow. Made
        on first use: a standard hash takes a fifth of a second, too long for every import."""
        if self._dummy_hash is None:
            self._dummy_hash = self.hasher.hash(secrets.token_urlsafe(16))
        return self._dummy_hash


_HASHING: dict[str, _Hashing] = {
    "standard": _Hashing(PasswordHasher()),  # argon2id with the library's recommended parameters
    # The test suite's: a standard hash takes a fifth of a second, and the suite logs in hundreds
    # of times. Never for real accounts (settings.password_hash_cost).
    "test": _Hashing(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)),
}
# A deleted account keeps its row (its id in the audit log, in content history and on handovers it
# claimed stays meaningful) but loses everything personal: its e-mail becomes this, on a reserved
# domain that can never receive mail or log in (RFC 2606).
DELETED_DOMAIN = "deleted.invalid"
DELETED_NAME = "verwijderd account"


class AccountError(ValueError):
    pass


class LastAdmin(AccountError):
    pass


class NoSuchAccount(AccountError):
    pass


@dataclass(frozen=True)
class NewAccount:
    email: str
    password: str
    totp_secret: str


@dataclass(frozen=True)
class PasswordCheck:
    """The first half of a login. `account_id`: the account the e-mail names (for the audit log),
    whether or not the password was right; `user`: set only when it was, and the account is active."""
    account_id: int | None
    user: StaffUser | None


def is_deleted(user: StaffUser) -> bool:
    return user.email.endswith("@" + DELETED_DOMAIN)


def totp_uri(email: str, secret: str) -> str:
    """The link an authenticator app reads (also as a QR code)."""
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name="Uitstap-assistent")


class Accounts:
    def __init__(self, sessions: async_sessionmaker, fernet: Fernet, *, hash_cost: HashCost = "standard") -> None:
        self._sessions = sessions
        self._fernet = fernet
        self._hashing = _HASHING[hash_cost]

    async def add(self, email: str, role: str, regions: list[str], display_name: str) -> NewAccount:
        email = email.strip().lower()
        _check_role(role, regions)
        if "@" not in email or email.endswith("@" + DELETED_DOMAIN):
            raise AccountError("give an e-mail address")
        password, totp_secret = secrets.token_urlsafe(15), pyotp.random_base32()
        async with self._sessions() as session, session.begin():
            if await session.scalar(select(StaffUser.id).where(StaffUser.email == email)) is not None:
                raise AccountError(f"{email} already has an account")
            session.add(StaffUser(
                email=email, display_name=display_name.strip() or email.split("@")[0], role=role,
                regions=_regions_for(role, regions), password_hash=self._hashing.hasher.hash(password),
                totp_secret=self._fernet.encrypt(totp_secret.encode())))
        return NewAccount(email, password, totp_secret)

    async def verify(self, email: str, password: str, code: str) -> StaffUser | None:
        """The user when password and a fresh TOTP code are right; None otherwise (no reason
        given, so the answer does not tell which part was wrong)."""
        checked = await self.check_password(email, password)
        if checked.user is None or not await self.accept_totp(checked.user, code):
            return None
        return checked.user

    async def check_password(self, email: str, password: str) -> PasswordCheck:
        """Always one argon2 verification, so an unknown e-mail, a disabled account and a wrong
        password take equally long."""
        async with self._sessions() as session, session.begin():
            user = await session.scalar(select(StaffUser).where(StaffUser.email == email.strip().lower()))
            usable = user is not None and user.active
            try:
                self._hashing.hasher.verify(user.password_hash if usable else self._hashing.dummy_hash, password)
            except (VerificationError, InvalidHashError):
                return PasswordCheck(user.id if user else None, None)
            if not usable:
                return PasswordCheck(user.id if user else None, None)
            if self._hashing.hasher.check_needs_rehash(user.password_hash):
                user.password_hash = self._hashing.hasher.hash(password)
        return PasswordCheck(user.id, user)

    async def accept_totp(self, user: StaffUser, code: str) -> bool:
        """Whether `code` is right and not used before (each accepted code moves the account's step)."""
        step = self._totp_step(user, code)
        if step is None:
            return False
        async with self._sessions() as session, session.begin():
            # Conditional update: two logins racing with the same code cannot both win.
            result = await session.execute(update(StaffUser).where(
                StaffUser.id == user.id, StaffUser.active.is_(True),
                StaffUser.totp_last_step < step).values(totp_last_step=step))
        return result.rowcount == 1

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

    async def id_of(self, email: str) -> int | None:
        async with self._sessions() as session:
            return await session.scalar(select(StaffUser.id).where(StaffUser.email == email.strip().lower()))

    async def all(self) -> list[StaffUser]:
        async with self._sessions() as session:
            return list((await session.scalars(select(StaffUser).order_by(StaffUser.email))).all())

    async def count(self) -> int:
        async with self._sessions() as session:
            return await session.scalar(select(func.count(StaffUser.id))) or 0

    # ---- Lifecycle: each change in one transaction, refused when it would leave no active admin.

    async def disable(self, user_id: int) -> StaffUser:
        return await self._change(user_id, lambda user: setattr(user, "active", False))

    async def enable(self, user_id: int) -> StaffUser:
        return await self._change(user_id, lambda user: setattr(user, "active", True))

    async def reset_password(self, user_id: int) -> str:
        password = secrets.token_urlsafe(15)
        await self._change(user_id, lambda user: setattr(user, "password_hash", self._hashing.hasher.hash(password)))
        return password

    async def reset_totp(self, user_id: int) -> str:
        secret = pyotp.random_base32()

        def reset(user: StaffUser) -> None:
            user.totp_secret = self._fernet.encrypt(secret.encode())
            user.totp_last_step = 0
        await self._change(user_id, reset)
        return secret

    async def set_role(self, user_id: int, role: str, regions: list[str] | None = None) -> StaffUser:
        def change(user: StaffUser) -> None:
            kept = user.regions if regions is None else regions
            _check_role(role, kept)
            user.role, user.regions = role, _regions_for(role, kept)
        return await self._change(user_id, change)

    async def set_regions(self, user_id: int, regions: list[str]) -> StaffUser:
        def change(user: StaffUser) -> None:
            if user.role not in REGIONAL_ROLES:
                raise AccountError(f"a {user.role} has no regions")
            _check_role(user.role, regions)
            user.regions = _regions_for(user.role, regions)
        return await self._change(user_id, change)

    async def delete(self, user_id: int) -> StaffUser:
        """Disables the account and removes its personal data; the row and its id stay."""
        def anonymise(user: StaffUser) -> None:
            user.active = False
            user.email = f"deleted-{user.id}@{DELETED_DOMAIN}"
            user.display_name = DELETED_NAME
            user.regions = []
            user.password_hash = self._hashing.hasher.hash(secrets.token_urlsafe(32))
            user.totp_secret = self._fernet.encrypt(pyotp.random_base32().encode())
        return await self._change(user_id, anonymise)

    async def _change(self, user_id: int, change: Callable[[StaffUser], None]) -> StaffUser:
        async with self._sessions() as session, session.begin():
            user = await session.scalar(select(StaffUser).where(StaffUser.id == user_id).with_for_update())
            if user is None or is_deleted(user):
                raise NoSuchAccount("no such account")
            was_admin = user.active and user.role == "admin"
            change(user)
            if was_admin and not (user.active and user.role == "admin"):
                await _keep_an_admin(session, user.id)
        return user


async def _keep_an_admin(session: AsyncSession, leaving: int) -> None:
    # Locks the other admins' rows (PostgreSQL): two admins demoting each other at the same
    # moment cannot both succeed. SQLite lets one writer in at a time anyway.
    others = (await session.scalars(select(StaffUser.id).where(
        StaffUser.role == "admin", StaffUser.active.is_(True), StaffUser.id != leaving).with_for_update())).all()
    if not others:
        raise LastAdmin("this is the last active admin; make another account admin first")


def _check_role(role: str, regions: list[str]) -> None:
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}")
    if role in REGIONAL_ROLES and not regions:
        raise AccountError(f"a {role} needs at least one region")


def _regions_for(role: str, regions: list[str]) -> list[str]:
    return sorted(set(regions)) if role in REGIONAL_ROLES else []
