"""Login limits behind a reverse proxy (TRUSTED_PROXIES): an attacker's address running out of
attempts blocks only itself, never the real user at another address; failed and throttled logins
name the account they aimed at; a burst of wrong TOTP codes after a right password locks the
account for codes and tells the admins; the JSON login takes only JSON.

Addresses here are X-Forwarded-For values sent by the test client through the trusted proxy
127.0.0.1 (documentation ranges, RFC 5737); no traffic leaves this machine.
"""
from __future__ import annotations

from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import select, update

from bot.app import create_app
from bot.appkeys import SESSIONS
from bot.db.models import AuditEvent, StaffUser, utcnow
from bot.settings import Settings
from support.staff import add_user

ATTACKER, OWNER = "203.0.113.66", "198.51.100.7"
WRONG = "e-mail, password or code is not right"


@pytest.fixture
def proxied(settings) -> Settings:
    return Settings(**{**settings.model_dump(), "trusted_proxies": "127.0.0.1"})


@pytest.fixture
async def client(aiohttp_client, proxied, static_data):
    return await aiohttp_client(create_app(proxied, static=static_data))


async def attempt(client, account: dict, address: str, password: str | None = None, code: str | None = None):
    """A login from `address` (through the proxy); right password and code unless given."""
    return await client.post("/api/v1/staff/login", headers={"X-Forwarded-For": address}, json={
        "email": account["email"], "password": account["password"] if password is None else password,
        "totp": pyotp.TOTP(account["totp_secret"]).now() if code is None else code})


def wrong_code(account: dict) -> str:
    return str((int(pyotp.TOTP(account["totp_secret"]).now()) + 1) % 1_000_000).zfill(6)


async def audit_rows(client, action: str) -> list[AuditEvent]:
    async with client.server.app[SESSIONS]() as session:
        return list((await session.scalars(select(AuditEvent).where(AuditEvent.action == action)
                                           .order_by(AuditEvent.id))).all())


async def staff_id(client, email: str) -> int:
    async with client.server.app[SESSIONS]() as session:
        return await session.scalar(select(StaffUser.id).where(StaffUser.email == email))


async def test_an_attackers_address_running_out_does_not_block_a_login_from_another_address(client, proxied):
    owner = await add_user(client, "owner1@rebelz.nl", "worker", ["apeldoorn"])
    statuses = [(await attempt(client, {"email": f"guess{n}@rebelz.nl", "password": "x",
                                        "totp_secret": pyotp.random_base32()}, ATTACKER)).status
                for n in range(proxied.login_attempts_burst + 1)]
    assert statuses[-1] == 429
    assert (await attempt(client, owner, OWNER)).status == 200


async def test_one_account_attacked_from_one_address_still_lets_its_owner_in_from_theirs(client, proxied):
    owner = await add_user(client, "owner2@rebelz.nl", "worker", ["apeldoorn"])
    statuses = [(await attempt(client, owner, ATTACKER, password="guess")).status
                for _ in range(proxied.login_attempts_burst + 1)]
    assert statuses == [401] * proxied.login_attempts_burst + [429]
    assert (await attempt(client, owner, ATTACKER)).status == 429  # the attacker's own address stays blocked
    assert (await attempt(client, owner, OWNER)).status == 200


async def test_many_addresses_guessing_one_account_are_slowed_but_the_owner_gets_in(client, proxied):
    owner = await add_user(client, "owner3@rebelz.nl", "worker", ["apeldoorn"])
    statuses = [(await attempt(client, owner, f"203.0.113.{n}", password="guess")).status for n in range(1, 41)]
    assert 429 in statuses and statuses[0] == 401  # the account's own bucket ran out
    assert (await attempt(client, owner, "203.0.113.200", password="guess")).status == 429
    assert (await attempt(client, owner, OWNER)).status == 200


async def test_failed_and_throttled_logins_name_the_account_they_aimed_at(client, proxied):
    owner = await add_user(client, "owner4@rebelz.nl", "worker", ["apeldoorn"])
    target = await staff_id(client, "owner4@rebelz.nl")
    for _ in range(proxied.login_attempts_burst + 1):
        await attempt(client, owner, ATTACKER, password="guess")
    await attempt(client, {"email": "nobody@rebelz.nl", "password": "x", "totp_secret": owner["totp_secret"]},
                  "203.0.113.99")
    failed = await audit_rows(client, "login_failed")
    assert [row.staff_user_id for row in failed] == [target] * proxied.login_attempts_burst + [None]
    assert [row.staff_user_id for row in await audit_rows(client, "login_throttled")] == [target]


async def test_a_disabled_account_cannot_log_in_and_hears_the_usual_answer(client, proxied):
    owner = await add_user(client, "owner5@rebelz.nl", "worker", ["apeldoorn"])
    async with client.server.app[SESSIONS]() as session, session.begin():
        await session.execute(update(StaffUser).where(StaffUser.email == "owner5@rebelz.nl").values(active=False))
    refused = await attempt(client, owner, OWNER)
    assert (refused.status, await refused.text()) == (401, WRONG)


async def test_wrong_codes_after_the_right_password_lock_the_account_and_alert_the_admins(
        aiohttp_client, proxied, fake_api, static_data):
    api, server = fake_api
    settings = Settings(**{**proxied.model_dump(), "telegram_token": "123456:TEST",
                           "telegram_api_url": str(server.make_url("/bot")),
                           "staff_telegram_chat_id": "-100777"})
    client = await aiohttp_client(create_app(settings, static=static_data))
    owner = await add_user(client, "owner6@rebelz.nl", "worker", ["apeldoorn"])
    target = await staff_id(client, "owner6@rebelz.nl")
    answers = []
    for n in range(5):  # from five addresses: the per-address limits do not stop it
        refused = await attempt(client, owner, f"203.0.113.{n + 1}", code=wrong_code(owner))
        answers.append((refused.status, await refused.text()))
    locked = await attempt(client, owner, OWNER)  # now even the right code is refused
    wrong_password = await attempt(client, owner, "203.0.113.50", password="guess")
    # The attacker cannot tell a wrong code, a locked account and a wrong password apart.
    assert set(answers) == {(401, WRONG)}
    assert (locked.status, await locked.text()) == (wrong_password.status, await wrong_password.text()) == (401, WRONG)

    assert [row.staff_user_id for row in await audit_rows(client, "login_totp_failed")] == [target] * 5
    assert [row.staff_user_id for row in await audit_rows(client, "login_totp_burst")] == [target]
    notices = [m["text"] for m in await api.wait_for("sendMessage") if str(m["chat_id"]) == "-100777"]
    assert len(notices) == 1 and "inlogcodes" in notices[0]
    assert "owner6" not in notices[0] and "203.0.113" not in notices[0] and str(target) not in notices[0]


async def test_an_admins_totp_reset_lifts_the_lock(client, proxied, log_in):
    owner = await add_user(client, "owner7@rebelz.nl", "worker", ["apeldoorn"])
    admin = await log_in(client, await add_user(client, "admin7@x.nl", "admin"))
    for n in range(5):
        await attempt(client, owner, f"203.0.113.{n + 1}", code=wrong_code(owner))
    assert (await attempt(client, owner, OWNER)).status == 401
    target = await staff_id(client, "owner7@rebelz.nl")
    page = await admin.form(f"/staff/admin/users/{target}/reset-totp", {})
    secret = pyotp.parse_uri(_link(await page.text())).secret
    assert (await attempt(client, {**owner, "totp_secret": secret}, OWNER)).status == 200


def _link(html: str) -> str:
    import html as html_module
    import re
    return html_module.unescape(re.search(r"(otpauth://[^<\s]+)", html).group(1))


async def test_the_lock_lifts_an_hour_after_the_wrong_codes(client, proxied):
    owner = await add_user(client, "owner8@rebelz.nl", "worker", ["apeldoorn"])
    for n in range(5):
        await attempt(client, owner, f"203.0.113.{n + 1}", code=wrong_code(owner))
    assert (await attempt(client, owner, OWNER)).status == 401
    async with client.server.app[SESSIONS]() as session, session.begin():
        await session.execute(update(AuditEvent).where(AuditEvent.action.like("login_totp_%"))
                              .values(at=utcnow() - timedelta(minutes=61)))
    assert (await attempt(client, owner, OWNER)).status == 200


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded"])
async def test_the_json_login_refuses_a_body_that_is_not_json(client, content_type):
    """A cross-site form (no preflight) cannot log a staff browser into the attacker's account."""
    account = await add_user(client, "owner9@rebelz.nl", "worker", ["apeldoorn"])
    body = ('{"email": "%s", "password": "%s", "totp": "%s"}'
            % (account["email"], account["password"], pyotp.TOTP(account["totp_secret"]).now()))
    response = await client.post("/api/v1/staff/login", data=body,
                                 headers={"Content-Type": content_type, "Origin": "https://evil.example"})
    assert response.status == 415
    assert "application/json" in await response.text()
    assert "Set-Cookie" not in response.headers
