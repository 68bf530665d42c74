"""The whole warm handover through real processes: the user asks for a person through the REST
channel and answers the form (a gemeente with a typo, consent), a worker made with `bot users add`
logs in with TOTP, sees it, claims it and chats live; the user ends it and is back with the
assistant. And a restart of the bot service in the middle of a live chat loses nothing.

Also what the worker learns from the form (in-process, Rasa down): why a handover is urgent and,
for a call, whether a voicemail or a text is safe; and the office hours the form says.
"""
from __future__ import annotations

import dataclasses
import json
import re
import urllib.request
import uuid
from datetime import datetime, timedelta

import aiohttp
import pyotp
import pytest

from bot.app import create_app
from bot.regions.keys import REGIONS
from bot.handover.handovers import CALL_SAFETY, URGENT_REASONS
from bot.regions.office_hours import DAYS, DAY_NAMES, DUTCH_TIME
from bot.staff.labels import LABELS
from support.staff import add_user, handover_id, make_handover, user_says

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
    request = urllib.request.Request(f"{stack.base_url}/api/v1/chat/pending",
                                     headers={"Authorization": f"Bearer {stack.sender(sender)}"})
    with urllib.request.urlopen(request, timeout=30) as response:
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
    # The steps go on in a second bubble without their heading; the list's unused parts say nothing.
    assert all(r.get("text") for r in replies) and said.count("Dit kun je doen, in deze volgorde:") == 1
    assert re.search(r"^[3-4]\. ", said, re.MULTILINE), said
    assert replies[-1]["text"].startswith("Dit kan niet wachten"), said
    reference = ask_for_a_person(stack, sender)
    worker = await staff(f"cas-{sender}@rebelz.nl", "apeldoorn", "Cas")
    assert (await worker.handover(reference))["urgent"] is True
    detail = await (await worker.get(f"/handovers/{(await worker.handover(reference))['id']}")).json()
    # Why, for the worker: the check's answer behind it, in Dutch (the user consented).
    assert {"code": "debt_eviction", "label": "dreigende uitzetting door schulden"} in detail["urgent_reasons"]


PHONE_ANSWERS = ["Apeldorn", "bellen", "06 12345678", "Alleen sms, niet bellen", "maakt niet uit",
                 "Nederlands", "nee"]


async def test_a_phone_handover_asks_whether_a_call_is_safe_and_the_worker_sees_the_answer(stack, staff):
    sender = new_sender()
    stack.chat(sender, "ik wil met iemand van het uitstapprogramma praten")
    said = []
    for answer in PHONE_ANSWERS:
        said.append(" ".join(r["text"] for r in stack.chat(sender, answer)))
    # The gemeente's answer already says whether they are open (before the form ends).
    assert re.search(r"Rebelz.*Ze zijn nu (open|gesloten en weer open op \w+dag \d+:\d\d)", said[0]), said[0]
    assert "Is het veilig als de PMW'er je belt?" in said[2], said[2]
    # Said back as the worker reads it, and how to get in touch yourself (no number we don't have).
    assert "stuurt je tijdens kantooruren een sms" in said[-1] and "belt je niet" in said[-1], said[-1]
    assert "Bel je gemeente en vraag naar het uitstapprogramma" in said[-1], said[-1]
    reference = re.search(r"\b([A-Z2-9]{3}-[A-Z2-9]{3})\b", said[-1]).group(1)

    worker = await staff(f"dee-{sender}@rebelz.nl", "apeldoorn", "Dee")
    number = (await worker.handover(reference))["id"]
    detail = await (await worker.get(f"/handovers/{number}")).json()
    assert detail["contact"] == "phone"
    assert detail["call_safety"] == {"code": "text_only", "label": "alleen een sms sturen, niet bellen"}
    page = await (await worker.session.get(f"{stack.base_url}/staff/handovers/{number}")).text()
    assert "<dt>Bellen</dt><dd id=\"call-safety\">alleen een sms sturen, niet bellen</dd>" in page
    # The phone question told the gateway first, so it kept the number for the claiming worker.
    assert (await worker.post(f"/handovers/{number}/claim")).status == 200
    assert await (await worker.get(f"/handovers/{number}/contact")).json() == {"phone": "06 12345678"}


# --- in-process: what the worker learns, and the office hours the form says -------------------

@pytest.fixture
async def client(aiohttp_client, settings, static_data):
    return await aiohttp_client(create_app(settings, static=static_data))


def test_every_code_the_service_keeps_has_a_dutch_label_for_the_worker():
    assert set(LABELS["urgent_reasons"]) == set(URGENT_REASONS)
    assert set(LABELS["call_safety"]) == set(CALL_SAFETY)


async def test_the_worker_reads_why_a_handover_is_urgent_and_never_an_unknown_code(client, settings, log_in):
    await user_says(client, "urgent-why", "ik wil niet meer leven")  # the gateway's own crisis match
    made = await make_handover(client, settings, "urgent-why", urgent=True, urgent_reasons=[
        "housing_leave_within_days", "housing_lives_at_workplace", "<b>woont bij pooier</b>", "crisis"])
    worker = await log_in(client, await add_user(client, "why@rebelz.nl", "worker", ["apeldoorn"]))
    number = await handover_id(worker, made["reference"])
    detail = await (await worker.get(f"/api/v1/staff/handovers/{number}")).json()
    assert detail["urgent"] is True
    assert detail["urgent_reasons"] == [
        {"code": "crisis_phrase", "label": "crisiswoorden in het gesprek"},
        {"code": "crisis", "label": "de assistent herkende een crisis en gaf de hulplijnen"},
        {"code": "housing_leave_within_days", "label": "moet binnen dagen weg"},
        {"code": "housing_lives_at_workplace", "label": "woont op de werkplek"}]
    queue = await (await worker.get("/api/v1/staff/handovers")).json()
    assert [r["code"] for r in queue[0]["urgent_reasons"]][:1] == ["crisis_phrase"]
    page = await (await worker.get(f"/staff/handovers/{number}")).text()
    assert "<dt>Urgent omdat</dt>" in page
    assert "<li>moet binnen dagen weg</li><li>woont op de werkplek</li>" in page
    assert "pooier" not in page  # free text never gets in, escaped or not


async def test_a_calm_handover_has_no_urgent_reasons_and_no_call_row(client, settings, log_in):
    made = await make_handover(client, settings, "calm", call_safety="voicemail_ok")  # a chat: ignored
    worker = await log_in(client, await add_user(client, "calm@rebelz.nl", "worker", ["apeldoorn"]))
    number = await handover_id(worker, made["reference"])
    detail = await (await worker.get(f"/api/v1/staff/handovers/{number}")).json()
    assert detail["urgent"] is False and detail["urgent_reasons"] == [] and detail["call_safety"] is None
    page = await (await worker.get(f"/staff/handovers/{number}")).text()
    assert "Urgent omdat" not in page and "<dt>Bellen</dt>" not in page


@pytest.mark.parametrize("given, label", [
    ("no_voicemail", "bellen mag; niet inspreken en geen sms sturen"),
    ("-", "niet gezegd: spreek niets in en stuur geen sms"),
    ("call me at night", "niet gezegd: spreek niets in en stuur geen sms"),  # not a code: not kept
])
async def test_the_worker_sees_whether_a_voicemail_or_text_is_safe(client, settings, given, label, log_in):
    made = await make_handover(client, settings, "caller", contact="phone", call_safety=given)
    worker = await log_in(client, await add_user(client, "call@rebelz.nl", "worker", ["apeldoorn"]))
    number = await handover_id(worker, made["reference"])
    detail = await (await worker.get(f"/api/v1/staff/handovers/{number}")).json()
    assert detail["call_safety"]["label"] == label
    assert detail["call_safety"]["code"] in CALL_SAFETY
    assert f'<dd id="call-safety">{label}</dd>' in await (await worker.get(f"/staff/handovers/{number}")).text()


async def test_the_gemeente_question_learns_when_the_region_opens_and_how_to_reach_it(client, settings):
    directory = client.server.app[REGIONS]
    # Rebelz opens only on the day after tomorrow (Dutch time), and has a public number.
    day = (datetime.now(DUTCH_TIME) + timedelta(days=2)).weekday()
    rebelz = dataclasses.replace(directory.regions["apeldoorn"], office_hours=f"{DAYS[day]} 9:00-17:00",
                                 contact="055 000 00 00")
    directory.replace([rebelz if r.id == "apeldoorn" else r for r in directory.regions.values()])
    token = {"Authorization": f"Bearer {settings.internal_token.get_secret_value()}"}
    found = await (await client.post("/internal/v1/regions/resolve", json={"municipality": "Apeldorn"},
                                     headers=token)).json()
    assert found["region"]["office_open"] is False
    assert found["region"]["next_open"] == {"nl": f"{DAY_NAMES['nl'][day]} 9:00",
                                            "en": f"{DAY_NAMES['en'][day]} 9:00"}
    made = await make_handover(client, settings, "hours", contact="phone")
    assert made["region"]["contact"] == "055 000 00 00"
    assert (made["office_open"], made["next_open"]) == (False, found["region"]["next_open"])



async def test_asking_again_while_a_handover_is_open_gives_the_same_one_and_no_second_entry(client, settings, log_in):
    # The same turn handled a second time (a Rasa replica died after the action ran and the next
    # replica replays the message) or the user asking again while waiting: one handover, one entry.
    first = await make_handover(client, settings, "twice")
    again = await make_handover(client, settings, "twice", contact="phone")
    assert again["reference"] == first["reference"]
    worker = await log_in(client, await add_user(client, "twice@rebelz.nl", "worker", ["apeldoorn"]))
    queue = await (await worker.get("/api/v1/staff/handovers")).json()
    assert [h["reference"] for h in queue] == [first["reference"]]
    number = await handover_id(worker, first["reference"])
    closed = await worker.post(f"/api/v1/staff/handovers/{number}/close", {"outcome": "helped_in_chat"})
    assert closed.status == 200, await closed.text()
    # Closed: asking again is a new request.
    later = await make_handover(client, settings, "twice")
    assert later["reference"] != first["reference"]
