"""`bot users ...`: staff accounts from the server's command line: list, add, disable, enable,
reset-password, reset-totp, set-role, set-regions, delete.

A new password or TOTP secret is printed once, to this terminal, never logged. Every change is
audited as done by the command line (no staff member). With REDIS_URL, the running replicas close
the account's open sockets at once; without it, within the socket's re-check (30 s).
"""
from __future__ import annotations

import argparse
import json
import sys
from datetime import timedelta, timezone
from typing import Any

from cryptography.fernet import Fernet
from redis.asyncio import Redis

from bot.db.engine import make_engine, session_factory
from bot.db.schema import require_current
from bot.events import EventHub
from bot.regions.directory import RegionDirectory
from bot.regions.editing import RegionEditing
from bot.settings import Settings
from bot.staff.account_admin import AccountAdmin
from bot.staff.accounts import ROLES, AccountError, Accounts, is_deleted, totp_uri
from bot.staff.audit import AuditLog
from bot.staff.sessions import StaffSessions

ONE_ACCOUNT = ("disable", "enable", "reset-password", "reset-totp", "set-role", "set-regions", "delete")


def add_arguments(users: argparse.ArgumentParser) -> None:
    actions = users.add_subparsers(dest="action", required=True, metavar="ACTION")
    listing = actions.add_parser("list", help="every account: role, regions, active, last login")
    listing.add_argument("--json", action="store_true", help="print a JSON list")
    add = actions.add_parser("add", help="a new account; prints a one-time password and the TOTP secret")
    add.add_argument("--email", required=True)
    add.add_argument("--role", required=True, choices=ROLES)
    _regions(add)
    add.add_argument("--name", default="", help="the name users see: 'Je praat nu met <name>'")
    add.add_argument("--json", action="store_true", help='print {"email", "password", "totp_secret"}')
    helps = {"disable": "refuse logins and end every session and open socket now",
             "enable": "allow logins again", "reset-password": "a new password (shown once); ends every session",
             "reset-totp": "a new TOTP secret (shown once; a lost phone); ends every session, lifts a TOTP lock",
             "set-role": "another role (workers and coordinators need --region)",
             "set-regions": "another set of regions (workers and coordinators)",
             "delete": "disable and remove the e-mail address and name; audit rows keep the account's number"}
    for name in ONE_ACCOUNT:
        action = actions.add_parser(name, help=helps[name])
        action.add_argument("--email", required=True)
        if name == "set-role":
            action.add_argument("--role", required=True, choices=ROLES)
        if name in ("set-role", "set-regions"):
            _regions(action)
        if name in ("reset-password", "reset-totp"):
            action.add_argument("--json", action="store_true", help="print the new secret as JSON")
        if name == "delete":
            action.add_argument("--yes", action="store_true", help="really delete (it cannot be undone)")


def _regions(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--region", action="append", default=[],
                        help="region id (repeat for more; workers and coordinators)")


async def run(settings: Settings, args: argparse.Namespace) -> int:
    engine = make_engine(settings.database_url)
    redis = Redis.from_url(settings.redis_url) if settings.redis_url else None
    try:
        await require_current(engine)
        sessions = session_factory(engine)
        accounts = Accounts(sessions, Fernet(settings.encryption_key.get_secret_value().encode()),
                            hash_cost=settings.password_hash_cost)
        audit = AuditLog(sessions)
        if args.action == "list":
            return await _list(accounts, audit, args.json)
        staff_sessions = StaffSessions(sessions, timedelta(minutes=settings.staff_idle_minutes),
                                       timedelta(hours=settings.staff_session_hours), EventHub(redis))
        directory = RegionDirectory.from_files(settings.gemeenten_file, settings.regions_file)
        # The regions the service uses: the database's (editable in the web app), else the file's.
        stored = [entry["id"] for entry in await RegionEditing(sessions, directory).entries()]
        admin = AccountAdmin(accounts, staff_sessions, audit, stored or list(directory.regions))
        try:
            return await _change(admin, accounts, args)
        except AccountError as error:
            print(f"nothing changed: {error}", file=sys.stderr)
            return 1
    finally:
        await engine.dispose()
        if redis is not None:
            await redis.aclose()


async def _list(accounts: Accounts, audit: AuditLog, as_json: bool) -> int:
    last = await audit.last_logins()
    rows: list[dict[str, Any]] = [{"id": user.id, "email": user.email, "name": user.display_name, "role": user.role,
             "regions": user.regions,
             "state": "deleted" if is_deleted(user) else "active" if user.active else "disabled",
             "last_login": _utc(last[user.id]) if user.id in last else None}
            for user in await accounts.all()]
    if as_json:
        print(json.dumps(rows))
        return 0
    print(f"{'id':>4}  {'e-mail':<36} {'role':<12} {'state':<9} {'last login (UTC)':<17} regions")
    for row in rows:
        print(f"{row['id']:>4}  {row['email']:<36} {row['role']:<12} {row['state']:<9} "
              f"{row['last_login'] or '-':<17} {','.join(row['regions'])}")
    return 0


def _utc(moment: Any) -> str:
    aware = moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
    return aware.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M")


async def _change(admin: AccountAdmin, accounts: Accounts, args: argparse.Namespace) -> int:
    if args.action == "add":
        new = await admin.add(None, args.email, args.role, args.region, args.name)
        if args.json:
            print(json.dumps({"email": new.email, "password": new.password, "totp_secret": new.totp_secret}))
        else:
            print(f"account added: {new.email} ({args.role})")
            _show_password(new.password)
            _show_totp(new.email, new.totp_secret)
        return 0
    user_id = await accounts.id_of(args.email)
    if user_id is None:
        raise AccountError("no account with that e-mail address")
    email = args.email.strip().lower()
    if args.action == "disable":
        await admin.disable(None, user_id)
        print(f"{email} disabled; its sessions have ended")
    elif args.action == "enable":
        await admin.enable(None, user_id)
        print(f"{email} enabled")
    elif args.action == "reset-password":
        password = await admin.reset_password(None, user_id)
        if args.json:
            print(json.dumps({"email": email, "password": password}))
        else:
            print(f"new password for {email}; its sessions have ended")
            _show_password(password)
    elif args.action == "reset-totp":
        secret = await admin.reset_totp(None, user_id)
        if args.json:
            print(json.dumps({"email": email, "totp_secret": secret}))
        else:
            print(f"new TOTP secret for {email}; its sessions have ended")
            _show_totp(email, secret)
    elif args.action == "set-role":
        user = await admin.set_role(None, user_id, args.role, args.region or None)
        print(f"{email} is now {user.role}" + (f" ({', '.join(user.regions)})" if user.regions else ""))
    elif args.action == "set-regions":
        user = await admin.set_regions(None, user_id, args.region)
        print(f"{email}: regions {', '.join(user.regions)}")
    elif args.action == "delete":
        if not args.yes:
            print(f"add --yes to delete {email}: it cannot be undone", file=sys.stderr)
            return 1
        await admin.delete(None, user_id)
        print(f"{email} deleted: disabled, e-mail address and name removed; audit rows keep account {user_id}")
    return 0


def _show_password(password: str) -> None:
    print(f"password (shown once, give it over in person): {password}")


def _show_totp(email: str, secret: str) -> None:
    print(f"TOTP secret for the authenticator app (shown once): {secret}\n"
          f"  or as a link: {totp_uri(email, secret)}")
