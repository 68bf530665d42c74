"""What an admin does to a staff account, from the web app or the command line: the change itself
(bot.staff.accounts), ending the account's sessions and open sockets where the change calls for
it, and an audit row naming who did it (None: the server's command line) and to which account.

Never records or logs a password or a TOTP secret: they are returned once, to be shown once.
"""
from __future__ import annotations

from typing import Collection

from bot.db.models import StaffUser
from bot.staff.accounts import AccountError, Accounts, NewAccount
from bot.staff.audit import AuditLog, about_account
from bot.staff.sessions import StaffSessions


class AccountAdmin:
    def __init__(self, accounts: Accounts, sessions: StaffSessions, audit: AuditLog,
                 known_regions: Collection[str]) -> None:
        self._accounts, self._sessions, self._audit = accounts, sessions, audit
        self._known_regions = known_regions

    async def add(self, actor: int | None, email: str, role: str, regions: list[str], name: str) -> NewAccount:
        self._check_regions(regions)
        new = await self._accounts.add(email, role, regions, name)
        user_id = await self._accounts.id_of(new.email)
        if user_id is None:  # deleted again by someone else in the meantime
            raise AccountError(f"{new.email} has no account")
        await self._audit.record(actor, "account_added", detail=f"{about_account(user_id)} role={role}")
        return new

    async def disable(self, actor: int | None, user_id: int) -> None:
        await self._accounts.disable(user_id)
        await self._sessions.revoke_all(user_id)
        await self._audit.record(actor, "account_disabled", detail=about_account(user_id))

    async def enable(self, actor: int | None, user_id: int) -> None:
        await self._accounts.enable(user_id)
        await self._audit.record(actor, "account_enabled", detail=about_account(user_id))

    async def reset_password(self, actor: int | None, user_id: int) -> str:
        """The new password; every session ends (the old one may be known to someone else)."""
        password = await self._accounts.reset_password(user_id)
        await self._sessions.revoke_all(user_id)
        await self._audit.record(actor, "account_password_reset", detail=about_account(user_id))
        return password

    async def reset_totp(self, actor: int | None, user_id: int) -> str:
        """The new TOTP secret (a lost phone); every session ends, and a TOTP lock is lifted."""
        secret = await self._accounts.reset_totp(user_id)
        await self._sessions.revoke_all(user_id)
        await self._audit.record(actor, "account_totp_reset", detail=about_account(user_id))
        return secret

    async def set_role(self, actor: int | None, user_id: int, role: str, regions: list[str] | None) -> StaffUser:
        if regions is not None:
            self._check_regions(regions)
        user = await self._accounts.set_role(user_id, role, regions)
        await self._sessions.access_changed(user_id)
        await self._audit.record(actor, "account_role_set", detail=_scope(user))
        return user

    async def set_regions(self, actor: int | None, user_id: int, regions: list[str]) -> StaffUser:
        self._check_regions(regions)
        user = await self._accounts.set_regions(user_id, regions)
        await self._sessions.access_changed(user_id)
        await self._audit.record(actor, "account_regions_set", detail=_scope(user))
        return user

    async def delete(self, actor: int | None, user_id: int) -> None:
        """Disable and anonymise (bot.staff.accounts.Accounts.delete says why not a real delete)."""
        await self._accounts.delete(user_id)
        await self._sessions.revoke_all(user_id)
        await self._audit.record(actor, "account_deleted", detail=about_account(user_id))

    def _check_regions(self, regions: list[str]) -> None:
        unknown = sorted(set(regions) - set(self._known_regions))
        if unknown:
            known = ", ".join(sorted(self._known_regions))
            raise AccountError(f"unknown region(s) {', '.join(unknown)}; known: {known}")


def _scope(user: StaffUser) -> str:
    """Role and region ids are no personal data."""
    return f"{about_account(user.id)} role={user.role} regions={','.join(user.regions)}"
