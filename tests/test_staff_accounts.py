"""The staff account lifecycle, on the command line (`bot users ...`) and on the admin's page:
list, disable, enable, new password, new TOTP secret, role, regions, delete. Disabling or a reset
ends every session at once; there is always an active admin left; every change is audited with
who did it and to which account, never a password or secret; a deleted account's audit rows stay.
"""
from __future__ import annotations

import asyncio
import html
import json
import os
import re
import sys
from pathlib import Path

import aiohttp
import pyotp
import pytest
from sqlalchemy import select, update

from bot.app import create_app
from bot.appkeys import SESSIONS
from bot.db.models import AuditEvent, StaffUser
from bot.settings import Settings
from support.staff import add_user

ROOT = Path(__file__).resolve().parent.parent
WRONG = "e-mail, password or code is not right"


@pytest.fixture
async def client(aiohttp_client, settings, static_data):
    return await aiohttp_client(create_app(settings, static=static_data))


async def bot_users(settings: Settings, *args: str) -> tuple[int, str, str]:
    """`bot users ...` on the test app's database and keys: (exit code, stdout, stderr)."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "DATABASE_URL": settings.database_url,
           "ENCRYPTION_KEY": settings.encryption_key.get_secret_value(),
           "PASSWORD_HASH_COST": settings.password_hash_cost,
           **{name.upper(): value.get_secret_value() for name, value in settings.model_dump().items()
              if hasattr(value, "get_secret_value") and name != "encryption_key"}}
    if settings.redis_url:
        env["REDIS_URL"] = settings.redis_url
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "users", *args, cwd=ROOT, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await process.communicate()
    return process.returncode, out.decode(), err.decode()


async def attempt(client, account: dict) -> aiohttp.ClientResponse:
    return await client.post("/api/v1/staff/login", json={
        "email": account["email"], "password": account["password"],
        "totp": pyotp.TOTP(account["totp_secret"]).now()})


async def next_code(client, email: str) -> None:
    """As if the next 30-second TOTP step had come: a code works once, and this test logs in twice."""
    async with client.server.app[SESSIONS]() as session, session.begin():
        await session.execute(update(StaffUser).where(StaffUser.email == email).values(totp_last_step=0))


async def audit(client) -> list[AuditEvent]:
    async with client.server.app[SESSIONS]() as session:
        return list((await session.scalars(select(AuditEvent).order_by(AuditEvent.id))).all())


async def user_row(client, user_id: int) -> StaffUser:
    async with client.server.app[SESSIONS]() as session:
        return await session.get(StaffUser, user_id)


async def listed(settings) -> dict[str, dict]:
    code, out, err = await bot_users(settings, "list", "--json")
    assert code == 0, err
    return {row["email"]: row for row in json.loads(out)}


# ---- The command line ----

async def test_the_command_line_lists_accounts_with_role_regions_state_and_last_login(client, settings):
    worker = await add_user(client, "anna@rebelz.nl", "worker", ["apeldoorn"])
    await add_user(client, "ed@x.nl", "editor")
    assert (await attempt(client, worker)).status == 200
    rows = await listed(settings)
    assert rows["anna@rebelz.nl"]["role"] == "worker" and rows["anna@rebelz.nl"]["regions"] == ["apeldoorn"]
    assert rows["anna@rebelz.nl"]["state"] == "active" and rows["anna@rebelz.nl"]["last_login"]
    assert rows["ed@x.nl"]["last_login"] is None
    code, table, _ = await bot_users(settings, "list")
    assert code == 0 and "anna@rebelz.nl" in table and "last login" in table


async def test_disable_on_the_command_line_ends_the_session_and_refuses_logins_until_enabled(client, settings, log_in):
    account = await add_user(client, "bram@rebelz.nl", "worker", ["apeldoorn"])
    worker = await log_in(client, account)
    code, out, err = await bot_users(settings, "disable", "--email", "bram@rebelz.nl")
    assert code == 0, err
    assert (await worker.get("/api/v1/staff/handovers")).status == 401
    refused = await attempt(client, account)
    assert (refused.status, await refused.text()) == (401, WRONG)
    assert (await listed(settings))["bram@rebelz.nl"]["state"] == "disabled"
    assert (await bot_users(settings, "enable", "--email", "bram@rebelz.nl"))[0] == 0
    await next_code(client, "bram@rebelz.nl")
    assert (await attempt(client, account)).status == 200


async def test_password_and_totp_resets_on_the_command_line_print_the_new_secret_once(client, settings, log_in):
    account = await add_user(client, "cora@rebelz.nl", "worker", ["apeldoorn"])
    worker = await log_in(client, account)
    code, out, _ = await bot_users(settings, "reset-password", "--email", "cora@rebelz.nl", "--json")
    assert code == 0
    password = json.loads(out)["password"]
    assert (await worker.get("/api/v1/staff/handovers")).status == 401  # the session ended
    code, out, _ = await bot_users(settings, "reset-totp", "--email", "cora@rebelz.nl")
    assert code == 0 and "otpauth://totp/" in out
    secret = re.search(r"shown once\): ([A-Z2-7]+)", out).group(1)
    assert (await attempt(client, {**account, "password": password, "totp_secret": secret})).status == 200
    assert (await attempt(client, {**account, "totp_secret": secret})).status == 401  # the old password
    # The audit log says who (the command line: no staff member) and which account, never the secret.
    rows = [row for row in await audit(client) if row.action.startswith("account_")]
    target = (await listed(settings))["cora@rebelz.nl"]["id"]
    assert [(r.action, r.staff_user_id, r.detail) for r in rows] == [
        ("account_password_reset", None, f"account={target}"), ("account_totp_reset", None, f"account={target}")]
    assert not any(password in r.detail or secret in r.detail for r in await audit(client))


async def test_role_and_regions_change_on_the_command_line(client, settings, log_in):
    account = await add_user(client, "dewi@rebelz.nl", "worker", ["apeldoorn"])
    worker = await log_in(client, account)
    assert (await bot_users(settings, "set-regions", "--email", "dewi@rebelz.nl", "--region", "twente",
                            "--region", "apeldoorn"))[0] == 0
    assert (await listed(settings))["dewi@rebelz.nl"]["regions"] == ["apeldoorn", "twente"]
    code, _, err = await bot_users(settings, "set-regions", "--email", "dewi@rebelz.nl", "--region", "atlantis")
    assert code == 1 and "unknown region" in err
    assert (await bot_users(settings, "set-role", "--email", "dewi@rebelz.nl", "--role", "editor"))[0] == 0
    assert (await listed(settings))["dewi@rebelz.nl"]["role"] == "editor"
    assert (await worker.get("/api/v1/staff/handovers")).status == 403  # the new role, at once
    code, _, err = await bot_users(settings, "set-role", "--email", "dewi@rebelz.nl", "--role", "worker")
    assert code == 1 and "region" in err


async def test_the_last_active_admin_cannot_be_disabled_deleted_or_demoted(client, settings):
    await add_user(client, "root@x.nl", "admin")
    for args in (["disable"], ["delete", "--yes"], ["set-role", "--role", "editor"]):
        code, _, err = await bot_users(settings, *args, "--email", "root@x.nl")
        assert code == 1 and "last active admin" in err, args
    root = (await listed(settings))["root@x.nl"]
    assert (root["role"], root["state"]) == ("admin", "active")
    await add_user(client, "second@x.nl", "admin")
    assert (await bot_users(settings, "set-role", "--email", "root@x.nl", "--role", "editor"))[0] == 0
    code, _, err = await bot_users(settings, "disable", "--email", "second@x.nl")
    assert code == 1 and "last active admin" in err


async def test_delete_keeps_the_audit_rows_but_not_the_person(client, settings):
    account = await add_user(client, "eva@rebelz.nl", "worker", ["apeldoorn"], "Eva")
    assert (await attempt(client, account)).status == 200
    target = (await listed(settings))["eva@rebelz.nl"]["id"]
    code, _, err = await bot_users(settings, "delete", "--email", "eva@rebelz.nl")
    assert code == 1 and "--yes" in err  # asks first
    assert (await bot_users(settings, "delete", "--email", "eva@rebelz.nl", "--yes"))[0] == 0
    row = await user_row(client, target)
    assert "eva" not in row.email and row.display_name != "Eva" and not row.active and row.regions == []
    assert [r.action for r in await audit(client) if r.staff_user_id == target] == ["login"]
    refused = await attempt(client, account)
    assert (refused.status, await refused.text()) == (401, WRONG)
    # The address is free again, and the deleted account cannot come back.
    assert (await bot_users(settings, "enable", "--email", row.email))[0] == 1
    await add_user(client, "eva@rebelz.nl", "worker", ["apeldoorn"])


@pytest.mark.xdist_group("redis")  # Redis is one server for every worker
async def test_disable_on_the_command_line_closes_open_sockets_on_the_running_service(aiohttp_client, settings, log_in, static_data):
    shared = Settings(**{**settings.model_dump(), "redis_url": "redis://127.0.0.1:6379/0"})
    client = await aiohttp_client(create_app(shared, static=static_data))
    worker = await log_in(client, await add_user(client, "fay@rebelz.nl", "worker", ["apeldoorn"]))
    socket = await worker.session.ws_connect(worker.url("/staff/ws"))
    assert (await bot_users(shared, "disable", "--email", "fay@rebelz.nl"))[0] == 0
    # Through Redis, well before the socket's own 30-second re-check.
    frame = await asyncio.wait_for(socket.receive(), 5)
    assert frame.type == aiohttp.WSMsgType.CLOSE and socket.close_code == 4401


# ---- The admin's page ----

async def account_id(client, email: str) -> int:
    async with client.server.app[SESSIONS]() as session:
        return await session.scalar(select(StaffUser.id).where(StaffUser.email == email))


async def test_the_admin_page_lists_accounts_and_is_for_admins_only(client, settings, log_in):
    admin = await log_in(client, await add_user(client, "boss@x.nl", "admin"))
    editor = await log_in(client, await add_user(client, "ed2@x.nl", "editor"))
    await add_user(client, "gijs@rebelz.nl", "coordinator", ["apeldoorn"])
    page = await admin.get("/staff/admin/users")
    text = await page.text()
    assert page.status == 200
    row = re.search(r'<tr data-id="\d+">(.*?)</tr>', text[text.index("gijs@rebelz.nl") - 200:], re.S).group(1)
    assert "coördinator" in row and "Noord- en Oost-Gelderland" in row and "actief" in row and "nooit" in row
    assert (await editor.get("/staff/admin/users")).status == 403
    target = await account_id(client, "gijs@rebelz.nl")
    assert (await editor.form(f"/staff/admin/users/{target}/disable", {})).status == 403
    no_token = await admin.session.post(admin.url(f"/staff/admin/users/{target}/disable"), data={})
    assert no_token.status == 403
    assert (await user_row(client, target)).active


async def test_an_admin_disables_and_enables_an_account_on_the_page(client, settings, log_in):
    admin = await log_in(client, await add_user(client, "boss2@x.nl", "admin"))
    account = await add_user(client, "hans@rebelz.nl", "worker", ["apeldoorn"])
    worker = await log_in(client, account)
    target = await account_id(client, "hans@rebelz.nl")
    done = await admin.form(f"/staff/admin/users/{target}/disable", {})
    assert done.status == 200 and done.url.path == "/staff/admin/users"
    assert (await worker.get("/api/v1/staff/handovers")).status == 401
    assert (await attempt(client, account)).status == 401
    assert "uitgeschakeld" in await done.text()
    assert (await admin.form(f"/staff/admin/users/{target}/enable", {})).status == 200
    await next_code(client, "hans@rebelz.nl")
    assert (await attempt(client, account)).status == 200
    boss = await account_id(client, "boss2@x.nl")
    assert [(r.action, r.staff_user_id, r.detail) for r in await audit(client) if r.action.startswith("account_")] == [
        ("account_disabled", boss, f"account={target}"), ("account_enabled", boss, f"account={target}")]


async def test_a_reset_on_the_page_shows_the_new_secret_once_and_ends_the_sessions(client, settings, log_in):
    admin = await log_in(client, await add_user(client, "boss3@x.nl", "admin"))
    account = await add_user(client, "ines@rebelz.nl", "worker", ["apeldoorn"])
    worker = await log_in(client, account)
    target = await account_id(client, "ines@rebelz.nl")
    shown = await admin.form(f"/staff/admin/users/{target}/reset-password", {})
    assert shown.status == 200 and shown.headers["Cache-Control"] == "no-store"
    password = html.unescape(re.search(r"<dt>Wachtwoord</dt><dd><code>([^<]+)</code>", await shown.text()).group(1))
    assert (await worker.get("/api/v1/staff/handovers")).status == 401
    await next_code(client, "ines@rebelz.nl")
    assert (await attempt(client, {**account, "password": password})).status == 200
    assert password not in await (await admin.get("/staff/admin/users")).text()
    assert password not in await (await admin.get("/staff/admin")).text()


async def test_an_admin_changes_role_and_regions_on_the_page(client, settings, log_in):
    admin = await log_in(client, await add_user(client, "boss4@x.nl", "admin"))
    await add_user(client, "jan@rebelz.nl", "worker", ["apeldoorn"])
    target = await account_id(client, "jan@rebelz.nl")
    done = await admin.session.post(admin.url(f"/staff/admin/users/{target}/access"), data=[
        ("csrf", admin.csrf), ("role", "worker"), ("region", "apeldoorn"), ("region", "twente")])
    assert done.status == 200
    assert (await user_row(client, target)).regions == ["apeldoorn", "twente"]
    refused = await admin.form(f"/staff/admin/users/{target}/access", {"role": "coordinator"})
    assert refused.status == 409 and "minstens één regio" in await refused.text()
    assert (await admin.form(f"/staff/admin/users/{target}/access", {"role": "editor"})).status == 200
    row = await user_row(client, target)
    assert (row.role, row.regions) == ("editor", [])


async def test_an_admin_cannot_remove_the_last_active_admin_on_the_page(client, settings, log_in):
    admin = await log_in(client, await add_user(client, "only@x.nl", "admin"))
    me = await account_id(client, "only@x.nl")
    for action, fields in (("disable", {}), ("delete", {"confirm": "yes"}), ("access", {"role": "editor"})):
        refused = await admin.form(f"/staff/admin/users/{me}/{action}", fields)
        assert refused.status == 409 and "laatste actieve beheerder" in await refused.text(), action
    row = await user_row(client, me)
    assert (row.role, row.active) == ("admin", True)
    assert (await admin.get("/staff/admin/users")).status == 200  # still logged in


async def test_an_admin_adds_an_account_on_the_page_and_sees_its_secrets_once(client, settings, log_in):
    admin = await log_in(client, await add_user(client, "boss5@x.nl", "admin"))
    shown = await admin.session.post(admin.url("/staff/admin/users"), data=[
        ("csrf", admin.csrf), ("email", "Kim@Rebelz.nl"), ("name", "Kim"), ("role", "worker"), ("region", "apeldoorn")])
    text = await shown.text()
    assert shown.status == 200
    password = html.unescape(re.search(r"<dt>Wachtwoord</dt><dd><code>([^<]+)</code>", text).group(1))
    secret = pyotp.parse_uri(html.unescape(re.search(r"(otpauth://[^<\s]+)", text).group(1))).secret
    account = {"email": "kim@rebelz.nl", "password": password, "totp_secret": secret}
    assert (await attempt(client, account)).status == 200
    again = await admin.form("/staff/admin/users", {"email": "kim@rebelz.nl", "role": "editor"})
    assert again.status == 409 and "al een account" in await again.text()


async def test_a_deleted_account_stays_readable_in_the_audit_log_on_the_page(client, settings, log_in):
    admin = await log_in(client, await add_user(client, "boss6@x.nl", "admin"))
    account = await add_user(client, "lot@rebelz.nl", "worker", ["apeldoorn"])
    assert (await attempt(client, account)).status == 200
    target = await account_id(client, "lot@rebelz.nl")
    unconfirmed = await admin.form(f"/staff/admin/users/{target}/delete", {})
    assert unconfirmed.status == 400 and (await user_row(client, target)).active
    assert (await admin.form(f"/staff/admin/users/{target}/delete", {"confirm": "yes"})).status == 200
    page = await (await admin.get("/staff/admin")).text()
    assert "lot@rebelz.nl" not in page and f"account={target}" in page
    assert (await admin.form(f"/staff/admin/users/{target}/enable", {})).status == 404


def test_the_command_line_and_the_pages_offer_exactly_the_account_roles():
    import argparse

    from bot.staff import users_command
    from bot.staff.accounts import ROLES
    from bot.staff.labels import LABELS

    parser = argparse.ArgumentParser()
    users_command.add_arguments(parser)
    for command in (["add", "--email", "kim@x.nl"], ["set-role", "--email", "kim@x.nl"]):
        assert [parser.parse_args([*command, "--role", role]).role for role in ROLES] == list(ROLES)
        with pytest.raises(SystemExit):
            parser.parse_args([*command, "--role", "director"])
    assert set(LABELS["roles"]) == set(ROLES), "every role has its Dutch name on the pages"
