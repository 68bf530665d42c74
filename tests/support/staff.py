"""Test helpers for the staff side: accounts, logging in through the JSON API with TOTP (each
member with their own cookie jar, closed when the test ends), and handovers made through the
internal API the action server uses."""
from __future__ import annotations

from types import TracebackType
from typing import Any, Protocol

import aiohttp
import pyotp

from bot.staff.keys import ACCOUNTS
from bot.gateway.pseudonym import conversation_id
from support.rest import rest_chat, rest_sender


async def add_user(client, email: str, role: str, regions: list[str] | None = None,
                   name: str = "") -> dict[str, Any]:
    new = await client.server.app[ACCOUNTS].add(email, role, regions or [], name or email.split("@")[0].title())
    return {"email": new.email, "password": new.password, "totp_secret": new.totp_secret}


class Staff:
    """A logged-in staff member's own cookie jar, through the JSON API."""

    def __init__(self, client, session, csrf: str) -> None:
        self.client, self.session, self.csrf = client, session, csrf

    def url(self, path: str) -> str:
        return str(self.client.make_url(path))

    async def get(self, path: str):
        return await self.session.get(self.url(path))

    async def form(self, path: str, fields: dict[str, Any]):
        """A page's form post, with the session's CSRF token like the page has it."""
        return await self.session.post(self.url(path), data={"csrf": self.csrf, **fields})

    async def post(self, path: str, body: dict | None = None, csrf: bool = True):
        headers = {"X-CSRF-Token": self.csrf} if csrf else {}
        return await self.session.post(self.url(path), json=body or {}, headers=headers)


class LogIn(Protocol):
    async def __call__(self, client, account: dict[str, Any]) -> Staff: ...


class StaffLogins:
    """Logs staff in, each with their own cookie jar, and closes every jar on leaving:
    `async with StaffLogins() as logins: staff = await logins.log_in(client, account)`."""

    def __init__(self) -> None:
        self._sessions: list[aiohttp.ClientSession] = []

    async def __aenter__(self) -> StaffLogins:
        return self

    async def __aexit__(self, kind: type[BaseException] | None, error: BaseException | None,
                        traceback: TracebackType | None) -> None:
        for session in self._sessions:
            await session.close()

    async def log_in(self, client, account: dict[str, Any]) -> Staff:
        session = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
        self._sessions.append(session)
        response = await session.post(str(client.make_url("/api/v1/staff/login")), json={
            "email": account["email"], "password": account["password"],
            "totp": pyotp.TOTP(account["totp_secret"]).now()})
        assert response.status == 200, await response.text()
        return Staff(client, session, (await response.json())["csrf_token"])


async def user_says(client, sender: str, text: str) -> list[dict]:
    """`sender`: the test's name for a REST conversation (its sender is issued by the server)."""
    return await rest_chat(client, sender, text)


async def make_handover(client, settings, sender: str, municipality: str = "Apeldorn",
                        contact: str = "chat", channel: str = "rest", **extra: Any) -> dict:
    if channel == "rest":
        await user_says(client, sender, "hallo")  # the conversation exists, as after a real form
    native_id = await rest_sender(client, sender) if channel == "rest" else sender
    conversation = conversation_id(settings.secret_key.get_secret_value(), channel, native_id)
    body = {"conversation": conversation, "municipality": municipality, "contact": contact,
            "availability": "evening", "language": "nl", "consent": True,
            "topics": ["ask_benefits/bbz", "ask_debt"], "urgent": False, **extra}
    response = await client.post("/internal/v1/handovers", json=body,
                                  headers={"Authorization": f"Bearer {settings.internal_token.get_secret_value()}"})
    assert response.status == 201, await response.text()
    return await response.json()


async def handover_id(staff: Staff, reference: str) -> int:
    listed = await (await staff.get("/api/v1/staff/handovers")).json()
    return next(h["id"] for h in listed if h["reference"] == reference)
