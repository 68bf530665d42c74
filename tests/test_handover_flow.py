"""The whole warm handover through real processes: the user asks for a person through the REST
channel and answers the form (a gemeente with a typo, consent), a worker made with `bot users add`
logs in with TOTP, sees it, claims it and chats live; the user ends it and is back with the
assistant. And a restart of the bot service in the middle of a live chat loses nothing.
"""
from __future__ import annotations

import json
import re
import urllib.request
import uuid

import aiohttp
import pyotp
import pytest

FORM_ANSWERS = ["Apeldorn", "hier in de chat", "maakt niet uit", "Nederlands", "ja"]


def new_sender() -> str:
    return f"flow-{uuid.uuid4().hex[:10]}"


def ask_for_a_person(stack, sender: str, answers: list[str] = FORM_ANSWERS) -> str:
    """Runs the handover form by typing; returns the reference the user is given."""
    stack.chat(sender, "ik heb schulden bij de belastingdienst")
    replies = stack.chat(sender, "ik wil met iemand van het uitstapprogramma praten")
    assert any("PMW" in r["text"] for r in replies), replies
    for answer in answers:
        replies = stack.chat(sender, answer)
    found = re.search(r"\b([A-Z2-9]{3}-[A-Z2-9]{3})\b", " ".join(r["text"] for r in replies))
    assert found, replies
    return found.group(1)


class StaffClient:
    def __init__(self, stack, session: aiohttp.ClientSession) -> None:
        self.stack, self.session, self.csrf = stack, session, ""

    async def log_in(self, account: dict) -> None:
        response = await self.session.post(f"{self.stack.base_url}/api/v1/staff/login", json={
            "email": account["email"], "password": account["password"],
            "totp": pyotp.TOTP(account["totp_secret"]).now()})
        assert response.status == 200, await response.text()
        self.csrf = (await response.json())["csrf_token"]

    async def get(self, path: str) -> aiohttp.ClientResponse:
        return await self.session.get(f"{self.stack.base_url}/api/v1/staff{path}")

    async def post(self, path: str, body: dict | None = None) -> aiohttp.ClientResponse:
        return await self.session.post(f"{self.stack.base_url}/api/v1/staff{path}", json=body or {},
                                       headers={"X-CSRF-Token": self.csrf})

    async def handover(self, reference: str) -> dict:
        listed = await (await self.get("/handovers")).json()
        return next(h for h in listed if h["reference"] == reference)


@pytest.fixture
async def staff(stack):
    sessions = []

    async def make(email: str, region: str, name: str) -> StaffClient:
        account = json.loads(stack.bot_command("users", "add", "--email", email, "--role", "worker",
                                               "--region", region, "--name", name, "--json"))
        # A fresh connection per request: the bot service is restarted under one of the tests.
        session = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True),
                                        connector=aiohttp.TCPConnector(force_close=True))
        sessions.append(session)
        client = StaffClient(stack, session)
        await client.log_in(account)
        return client
    yield make
    for session in sessions:
        await session.close()


def pending(stack, sender: str) -> list[dict]:
    with urllib.request.urlopen(f"{stack.base_url}/api/v1/chat/{sender}/pending", timeout=30) as response:
        return json.loads(response.read())


async def test_full_handover_through_the_rest_channel(stack, staff):
    sender = new_sender()
    reference = ask_for_a_person(stack, sender)
    worker = await staff(f"anna-{sender}@rebelz.nl", "apeldoorn", "Anna")
    stranger = await staff(f"bo-{sender}@shop.nl", "den-haag", "Bo")

    handover = await worker.handover(reference)
    assert handover["contact"] == "chat" and handover["consent"] is True
    detail = await (await worker.get(f"/handovers/{handover['id']}")).json()
    assert detail["region"] == "apeldoorn"
    assert detail["topics"], "the consented summary names what the user asked about"
    assert (await stranger.get(f"/handovers/{handover['id']}")).status == 404

    assert (await worker.post(f"/handovers/{handover['id']}/claim")).status == 200
    joined = pending(stack, sender)
    assert joined[0]["text"].startswith("Je praat nu met Anna van Rebelz")

    assert stack.chat(sender, "hoi Anna, ik weet niet waar ik moet beginnen") == []
    sent = await worker.post(f"/handovers/{handover['id']}/messages", {"text": "Fijn dat je er bent."})
    assert sent.status == 201
    assert [m["text"] for m in pending(stack, sender)] == ["Fijn dat je er bent."]
    detail = await (await worker.get(f"/handovers/{handover['id']}")).json()
    assert [m["sender"] for m in detail["messages"]] == ["notice", "user", "worker"]

    ended = stack.chat(sender, "stop")
    assert "weer met de assistent" in ended[0]["text"]
    back = stack.chat(sender, "hoe vraag ik bijstand aan")
    assert "bijstand" in back[0]["text"].lower(), back  # Rasa answers again


async def test_restarting_the_bot_service_mid_chat_loses_no_message(stack, staff):
    sender = new_sender()
    reference = ask_for_a_person(stack, sender)
    worker = await staff(f"cas-{sender}@rebelz.nl", "apeldoorn", "Cas")
    number = (await worker.handover(reference))["id"]
    await worker.post(f"/handovers/{number}/claim")
    joined = stack.chat(sender, "eerste bericht")
    assert [m["text"][:19] for m in joined] == ["Je praat nu met Cas"]
    await worker.post(f"/handovers/{number}/messages", {"text": "vlak voor de herstart"})

    stack.restart_bot_service()

    assert (await worker.post(f"/handovers/{number}/messages", {"text": "na de herstart"})).status == 201
    # What waited for the user comes first in the answer to their next message, in order.
    replies = [m["text"] for m in stack.chat(sender, "tweede bericht")]
    assert replies == ["vlak voor de herstart", "na de herstart"]
    assert pending(stack, sender) == []
    detail = await (await worker.get(f"/handovers/{number}")).json()
    assert [m["text"] for m in detail["messages"] if m["sender"] != "notice"] == [
        "eerste bericht", "vlak voor de herstart", "na de herstart", "tweede bericht"]
    assert detail["live"] is True


def button(replies: list[dict], title: str) -> str:
    """The payload of the button with this title in the replies (as the widget would send it)."""
    found = [b["payload"] for r in replies for b in r.get("buttons", []) if b["title"] == title]
    assert found, [b["title"] for r in replies for b in r.get("buttons", [])]
    return found[0]


async def test_an_urgent_debt_check_makes_the_handover_urgent(stack, staff):
    """The debt check from its button, answered by typing: an eviction is urgent, the steps start
    with calling the gemeente today, and the person asked for next gets an urgent handover."""
    sender = new_sender()
    overview = stack.chat(sender, button(stack.chat(sender, "hoi"), "Schulden"))
    replies = stack.chat(sender, button(overview, "Doe de schuldencheck"))
    assert "Wat voor schulden" in replies[-1]["text"]
    for answer in ["huur en gas", "nee", "ja, uit mijn huis", "nee"]:
        replies = stack.chat(sender, answer)
    said = "\n".join(r["text"] for r in replies)
    assert "1. Bel vandaag je gemeente" in said and "3 werkdagen" in said, said
    assert replies[-1]["text"].startswith("Dit kan niet wachten"), said
    reference = ask_for_a_person(stack, sender)
    worker = await staff(f"cas-{sender}@rebelz.nl", "apeldoorn", "Cas")
    assert (await worker.handover(reference))["urgent"] is True
