"""The phone path through real processes, from the user's side: someone asks for a person, chooses
to be called and types their number. The number never reaches Rasa (its tracker holds only the
placeholder), is stored only encrypted, and only the worker who claimed the handover sees it (a
colleague who did not claim it, a worker of another region and an editor do not); retention after
closing, or "forget me" while waiting, leaves nothing of it.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import uuid

import aiohttp
import pyotp
import pytest
from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import create_engine, text

from bot.gateway.pseudonym import conversation_id
from support.database import database_dump
from support.paths import ROOT
# Asked for a person, then: gemeente, a call, the number, what is safe, when, language, no consent.
FORM = ["Apeldorn", "bellen", "{number}", "Alleen sms, niet bellen", "maakt niet uit", "Nederlands", "nee"]


def ask_to_be_called(stack, sender: str, number: str) -> str:
    """Runs the handover form by typing, with a call at `number`; returns the reference given."""
    stack.chat(sender, "ik wil met iemand van het uitstapprogramma praten")
    said = [" ".join(r["text"] for r in stack.chat(sender, answer.format(number=f"mijn nummer is {number}")))
            for answer in FORM]
    assert "Is het veilig als de PMW'er je belt?" in said[2], said  # the number was taken as given
    found = re.search(r"\b([A-Z2-9]{3}-[A-Z2-9]{3})\b", said[-1])
    assert found, said[-1]
    return found.group(1)


def sql(stack, query: str, **params) -> list[tuple]:
    engine = create_engine(stack.database_url.replace("+aiosqlite", ""))
    try:
        with engine.begin() as connection:
            result = connection.execute(text(query), params)
            return [tuple(row) for row in result] if result.returns_rows else []
    finally:
        engine.dispose()


def kept_numbers(stack) -> list[str]:
    """Every phone number the database holds, decrypted with the service's key."""
    fernet = Fernet(stack.env["ENCRYPTION_KEY"].encode())
    found = []
    for table in ("handovers", "handover_intake"):
        for (value,) in sql(stack, f"SELECT phone FROM {table} WHERE phone IS NOT NULL"):
            try:
                found.append(fernet.decrypt(bytes(value)).decode())
            except InvalidToken:
                found.append("<not ours>")
    return found


def digits(number: str) -> str:
    return re.sub(r"\D", "", number)


def plain_forms(number: str) -> list[str]:
    """The number as typed, and as digits with or without the leading 06."""
    return [number, digits(number), digits(number)[2:]]


class Staff:
    """A staff member logged in to the stack's staff JSON API."""

    def __init__(self, stack, session: aiohttp.ClientSession) -> None:
        self.stack, self.session, self.csrf = stack, session, ""

    async def get(self, path: str) -> aiohttp.ClientResponse:
        return await self.session.get(f"{self.stack.base_url}/api/v1/staff{path}")

    async def post(self, path: str, body: dict | None = None) -> aiohttp.ClientResponse:
        return await self.session.post(f"{self.stack.base_url}/api/v1/staff{path}", json=body or {},
                                       headers={"X-CSRF-Token": self.csrf})

    async def handover_number(self, reference: str) -> int:
        listed = await (await self.get("/handovers?closed=1")).json()
        return next(h["id"] for h in listed if h["reference"] == reference)


@pytest.fixture
async def staff(stack):
    sessions: list[aiohttp.ClientSession] = []

    async def make(role: str, region: str | None = None) -> Staff:
        email = f"{role}-{uuid.uuid4().hex[:8]}@phone-path.nl"
        account = json.loads(stack.bot_command("users", "add", "--email", email, "--role", role,
                                               *(("--region", region) if region else ()),
                                               "--name", role.title(), "--json"))
        session = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
        sessions.append(session)
        member = Staff(stack, session)
        response = await session.post(f"{stack.base_url}/api/v1/staff/login", json={
            "email": email, "password": account["password"], "totp": pyotp.TOTP(account["totp_secret"]).now()})
        assert response.status == 200, await response.text()
        member.csrf = (await response.json())["csrf_token"]
        return member
    yield make
    for session in sessions:
        await session.close()


async def test_only_the_claiming_worker_sees_the_number_and_retention_deletes_it(stack, staff):
    number = "06-41526374"
    sender = f"caller-{uuid.uuid4().hex[:10]}"
    conversation = conversation_id(stack.secret_key, "rest", stack.sender(sender))
    reference = ask_to_be_called(stack, sender, number)

    # Rasa had the placeholder where the number was, and nowhere the number itself.
    rasa_saw = " ".join(data for (data,) in sql(
        stack, "SELECT data FROM events WHERE sender_id = :id", id=conversation))
    assert "[telefoonnummer]" in rasa_saw
    dump = database_dump(stack.database_url)
    assert not [form for form in plain_forms(number) if form in dump], "the number is stored in plain text"
    assert kept_numbers(stack).count(number) == 1, "kept once, encrypted, with the handover"

    worker = await staff("worker", "apeldoorn")
    colleague = await staff("worker", "apeldoorn")
    elsewhere = await staff("worker", "den-haag")
    editor = await staff("editor")
    handover = await worker.handover_number(reference)
    contact = f"/handovers/{handover}/contact"
    assert (await worker.get(contact)).status == 409  # claim it first
    assert (await worker.post(f"/handovers/{handover}/claim")).status == 200
    shown = await worker.get(contact)
    assert (shown.status, await shown.json()) == (200, {"phone": number})
    assert [(await other.get(contact)).status for other in (colleague, elsewhere, editor)] == [409, 404, 403]
    # Only the separate, audited view shows it: not the queue, not the handover itself.
    for path in ("/handovers", f"/handovers/{handover}"):
        seen = await (await worker.get(path)).text()
        assert not [form for form in plain_forms(number) if form in seen], path
    logs = "\n".join(path.read_text(errors="replace") for path in stack.logs.values())
    assert not [form for form in plain_forms(number) if form in logs], "the number is logged"

    closed = await worker.post(f"/handovers/{handover}/close", {"outcome": "intake_planned"})
    assert closed.status == 200, await closed.text()
    # Closed longer ago than the retention period: `bot purge` deletes it, the number with it.
    sql(stack, "UPDATE handovers SET closed_at = :t WHERE reference = :r", t="2020-01-01 00:00:00+00:00",
        r=reference)
    purged = subprocess.run([sys.executable, "-m", "bot.cli", "purge"], cwd=ROOT, capture_output=True,
                            text=True, timeout=120, env={**os.environ, **stack.env, "RETENTION_DAYS": "30"})
    assert purged.returncode == 0, purged.stderr
    assert (await worker.get(contact)).status == 404
    assert number not in kept_numbers(stack)


async def test_forget_me_while_waiting_deletes_the_number_at_once(stack, staff):
    number = "06-85746352"
    sender = f"caller-{uuid.uuid4().hex[:10]}"
    reference = ask_to_be_called(stack, sender, number)
    assert number in kept_numbers(stack)

    question = stack.chat(sender, "verwijder al mijn gegevens")[0]
    confirm = next(b for b in question["buttons"] if b["title"] == "Ja, wis alles")
    assert stack.chat(sender, confirm["payload"])[0]["text"].startswith("Gedaan. Ik heb dit gesprek gewist")

    assert number not in kept_numbers(stack)
    # The worker still learns that the user left, never how to reach them.
    worker = await staff("worker", "apeldoorn")
    handover = await worker.handover_number(reference)
    detail = await (await worker.get(f"/handovers/{handover}")).json()
    assert detail["status"] == "closed" and detail["outcome"] == "user_left"
    assert (await worker.post(f"/handovers/{handover}/claim")).status == 409
    assert (await worker.get(f"/handovers/{handover}/contact")).status == 409
