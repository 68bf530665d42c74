"""A conversation survives a dropped connection, a reload and a change of channel, and the worker
always knows where the user is: resumed widget sockets (nothing lost, nothing twice), presence,
waiting for a worker, the reference code, and a user who leaves in a hurry. Rasa is down here:
none of this asks it.
"""
from __future__ import annotations

import asyncio
import json
from datetime import datetime, timedelta, timezone

import pytest

from bot.app import create_app
from bot.handover.keys import ESCALATION, HANDOVERS
from support.rest import rest_sender
from support.staff import LogIn, add_user, handover_id, make_handover, user_says


@pytest.fixture
async def client(aiohttp_client, settings, static_data):
    # The crisis answer waits this long at most for the live chat's bookkeeping (0.15 s in
    # production); these tests check what the bookkeeping does, on a machine that may be busy.
    settings = settings.model_copy(update={"crisis_wait_seconds": 5.0})
    client = await aiohttp_client(create_app(settings, static=static_data))
    client.settings = settings
    return client


async def open_widget(client, query: str = ""):
    """A widget socket; returns (socket, session frame)."""
    socket = await client.ws_connect("/ws/chat" + query)
    return socket, await socket.receive_json()


async def next_frame(socket, kind: str, timeout: float = 10) -> dict:
    while True:
        frame = await asyncio.wait_for(socket.receive_json(), timeout)
        if frame["type"] == kind:
            return frame


async def say(socket, text: str) -> list[dict]:
    await socket.send_str(json.dumps({"type": "message", "text": text}))
    return (await next_frame(socket, "bot"))["messages"]


async def live_widget_chat(client, log_in: LogIn, email: str = "anna@rebelz.nl"):
    """A widget user in a live chat with worker Anna: (socket, token, worker, handover number)."""
    socket, session = await open_widget(client)
    await say(socket, "hallo")
    made = await make_handover(client, client.settings, session["id"], channel="web")
    worker = await log_in(client, await add_user(client, email, "worker", ["apeldoorn"], "Anna"))
    number = await handover_id(worker, made["reference"])
    await worker.post(f"/api/v1/staff/handovers/{number}/claim")
    joined = (await next_frame(socket, "bot"))["messages"]
    assert joined[0]["sender"] == "notice" and joined[0]["text"].startswith("Je praat nu met Anna")
    return socket, session["id"], worker, number, made["reference"]


async def detail(worker, number: int) -> dict:
    return await (await worker.get(f"/api/v1/staff/handovers/{number}")).json()


async def wait_for(check, timeout: float = 10) -> None:
    for _ in range(int(timeout / 0.05)):
        if await check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the condition did not come true")


async def test_a_dropped_socket_resumes_with_the_workers_messages_none_lost_none_twice(client, log_in):
    socket, token, worker, number, _ = await live_widget_chat(client, log_in)
    shown = [m["id"] for m in (await detail(worker, number))["messages"]]
    await socket.close()
    await wait_for(lambda: _presence_is(worker, number, "offline"))

    for text in ("Ben je er nog?", "Ik wacht op je."):
        await worker.post(f"/api/v1/staff/handovers/{number}/messages", {"text": text})
    socket, again = await open_widget(client, f"?session={token}&last={max(shown)}")
    assert again == {"type": "session", "id": token, "resumed": True}
    missed = (await next_frame(socket, "bot"))["messages"]
    assert [m["text"] for m in missed] == ["Ben je er nog?", "Ik wacht op je."]
    assert {(m["sender"], m["name"]) for m in missed} == {("worker", "Anna")}
    await wait_for(lambda: _presence_is(worker, number, "online"))
    await socket.close()

    # The widget says it has shown both: a second resume brings nothing again.
    socket, _ = await open_widget(client, f"?session={token}&last={missed[-1]['id']}")
    status = await next_frame(socket, "status")
    assert status["state"] == "live" and "Anna" in status["text"]
    await socket.send_str(json.dumps({"type": "message", "text": "ja, ik ben er"}))
    assert (await next_frame(socket, "typing")) and (await next_frame(socket, "bot"))["messages"] == []
    texts = [m["text"] for m in (await detail(worker, number))["messages"]]
    assert texts.count("Ben je er nog?") == 1 and texts[-1] == "ja, ik ben er"
    await socket.close()


async def _presence_is(worker, number: int, state: str) -> bool:
    return (await detail(worker, number))["user_presence"] == state


async def test_a_reload_shows_the_live_chat_so_far_and_a_made_up_token_starts_afresh(client, log_in):
    socket, token, worker, number, _ = await live_widget_chat(client, log_in)
    await say(socket, "ik wil stoppen met dit werk")
    await worker.post(f"/api/v1/staff/handovers/{number}/messages", {"text": "Dat kan, ik help je."})
    await next_frame(socket, "bot")
    await socket.close()

    socket, session = await open_widget(client, f"?session={token}&last=0&fresh=1")
    assert session["resumed"] is True
    screen = (await next_frame(socket, "bot"))["messages"]
    assert screen[0]["text"].startswith("Je gesprek gaat verder")
    assert [(m.get("sender"), m["text"]) for m in screen[2:]] == [
        ("user", "ik wil stoppen met dit werk"), ("worker", "Dat kan, ik help je.")]
    await socket.close()

    forged = token.split(".")[0] + ".AAAAAAAAAAAAAAAAAAAAAA"
    socket, session = await open_widget(client, f"?session={forged}")
    assert session["resumed"] is False and session["id"] != forged
    await socket.close()


async def test_a_quick_exit_during_a_live_chat_tells_the_worker_and_keeps_no_trace(client, log_in):
    socket, token, worker, number, reference = await live_widget_chat(client, log_in)
    await say(socket, "hij komt eraan")
    await socket.close()
    response = await client.post("/api/v1/chat/end", data=token)
    assert response.status == 204

    left = await detail(worker, number)
    assert left["status"] == "closed" and left["outcome"] == "user_left"
    assert [m["sender"] for m in left["messages"]] == ["system"]
    assert "heeft de chat verlaten" in left["messages"][0]["text"]
    assert "hij komt eraan" not in json.dumps(left)
    page = await worker.get(f"/staff/handovers/{number}")
    assert page.status == 200
    html = await page.text()
    assert "heeft de chat verlaten" in html and "gesprek gewist" in html
    assert "Gewist met het gesprek" in html and "Vroeg naar" not in html  # the topics went too
    # The code no longer leads anywhere: nothing of the conversation can be found again.
    replies = await user_says(client, "someone-else", f"mijn code is {reference}")
    assert replies[0]["text"].startswith("Ik vind geen open gesprek")


async def test_wis_gesprek_clears_the_widget_and_closes_a_waiting_handover_for_the_worker(client, log_in):
    socket, session = await open_widget(client)
    await say(socket, "hallo")
    made = await make_handover(client, client.settings, session["id"], channel="web")
    worker = await log_in(client, await add_user(client, "wis@rebelz.nl", "worker", ["apeldoorn"], "Anna"))
    number = await handover_id(worker, made["reference"])
    forgotten = await say(socket, "/forget_me_confirmed")
    assert forgotten[0]["text"].startswith("Gedaan")
    assert (await next_frame(socket, "cleared")) == {"type": "cleared"}
    assert (await detail(worker, number))["outcome"] == "user_left"
    # The old token now starts a new conversation: there is nothing left to resume.
    socket, again = await open_widget(client, f"?session={session['id']}")
    assert again["resumed"] is False
    await socket.close()


async def test_typing_while_waiting_reaches_the_worker_and_stop_asks_before_withdrawing(client, log_in):
    socket, session = await open_widget(client)
    await say(socket, "hallo")
    made = await make_handover(client, client.settings, session["id"], channel="web")

    waiting = await say(socket, "hallo? is er iemand")
    assert waiting[0]["text"].startswith("Je wacht op een PMW'er van Rebelz")
    assert (await next_frame(socket, "status"))["state"] == "waiting"
    worker = await log_in(client, await add_user(client, "wacht@rebelz.nl", "worker", ["apeldoorn"], "Anna"))
    number = await handover_id(worker, made["reference"])
    assert [m["text"] for m in (await detail(worker, number))["messages"]] == ["hallo? is er iemand"]

    # A guided check started meanwhile keeps its own "Stoppen" button: that ends the check (Rasa,
    # down here), not the wait.
    assert not (await say(socket, "Stoppen"))[0]["text"].startswith("Wil je je verzoek")
    asked = await say(socket, "stop")
    assert asked[0]["text"].startswith("Wil je je verzoek")
    assert [b["payload"] for b in asked[0]["buttons"]] == ["/cancel_handover_confirmed", "/keep_waiting"]
    assert (await say(socket, "/keep_waiting"))[0]["text"].startswith("Je wacht op")
    assert (await detail(worker, number))["status"] == "waiting"
    withdrawn = await say(socket, "/cancel_handover_confirmed")
    assert withdrawn[0]["text"].startswith("Je verzoek is ingetrokken")
    closed = await detail(worker, number)
    assert closed["outcome"] == "user_withdrew"
    assert closed["messages"][-1]["text"] == "De gebruiker heeft het verzoek ingetrokken."
    assert (await next_frame(socket, "status"))["state"] == "none"
    await socket.close()


async def test_a_crisis_phrase_while_waiting_gets_the_safety_lines_and_makes_it_urgent(client, log_in):
    made = await make_handover(client, client.settings, "wait-crisis")
    replies = await user_says(client, "wait-crisis", "ik wil niet meer leven")
    assert "113" in replies[0]["text"] and replies[0]["automatic"] is True
    assert replies[-1]["text"].startswith("Je wacht op")
    worker = await log_in(client, await add_user(client, "urgent@rebelz.nl", "worker", ["apeldoorn"], "Anna"))
    found = await detail(worker, await handover_id(worker, made["reference"]))
    assert found["urgent"] is True
    assert [r["code"] for r in found["urgent_reasons"]] == ["crisis_phrase"]
    assert [(m["sender"], m["crisis"]) for m in found["messages"]] == [("user", True), ("assistant", False)]


async def test_the_reference_code_brings_the_user_back_on_another_channel(client, log_in):
    socket, token, worker, number, reference = await live_widget_chat(client, log_in)
    await socket.close()
    await worker.post(f"/api/v1/staff/handovers/{number}/messages", {"text": "Ik ben er morgen weer."})

    asked = await user_says(client, "on-rest", f"hoi, mijn code is {reference.lower()}")
    assert asked[0]["text"].startswith(f"Is {reference} de code")
    assert asked[0]["buttons"][0]["payload"] == f"/resume_handover {reference}"
    back = await user_says(client, "on-rest", asked[0]["buttons"][0]["payload"])
    assert back[0]["text"].startswith(f"Je bent terug in je gesprek {reference}")
    assert [m["text"] for m in back[1:]][-1] == "Ik ben er morgen weer."
    # From now on the REST conversation is the live chat; the worker is told where the user is.
    assert await user_says(client, "on-rest", "dank je") == []
    messages = (await detail(worker, number))["messages"]
    assert ("system", "De gebruiker is terug met de code, via de chat.") in [
        (m["sender"], m["text"]) for m in messages]
    assert messages[-1]["text"] == "dank je"


async def test_a_code_that_leads_nowhere_says_so_kindly(client):
    replies = await user_says(client, "no-code", "HAK-GFE")
    assert replies[0]["text"].startswith("Ik vind geen open gesprek met die code")
    # A long message that merely holds something code-like is a message, not a code.
    long = "ik heb een vraag over mijn huis en mijn geld want HAK-GFE staat op een brief van de gemeente"
    assert not (await user_says(client, "no-code", long))[0]["text"].startswith("Ik vind geen open gesprek")


async def test_a_crisis_phrase_in_a_live_chat_is_marked_automatic_and_shown_to_the_worker(client, log_in):
    socket, token, worker, number, _ = await live_widget_chat(client, log_in)
    replies = await say(socket, "ik wil niet meer leven")
    assert replies[0]["automatic"] is True and "113" in replies[0]["text"]
    senders = [(m["sender"], m["crisis"]) for m in (await detail(worker, number))["messages"]]
    assert senders[-2:] == [("user", True), ("assistant", False)]
    await socket.close()


async def test_an_open_handover_whose_user_never_returns_is_closed_for_the_worker(client, log_in):
    made = await make_handover(client, client.settings, "never-back")
    worker = await log_in(client, await add_user(client, "gone@rebelz.nl", "worker", ["apeldoorn"], "Anna"))
    number = await handover_id(worker, made["reference"])
    handovers = client.server.app[HANDOVERS]
    later = datetime.now(timezone.utc) + timedelta(days=31)
    deleted, gone = await handovers.purge(30, now=later)
    assert [h.reference for h in gone] == [made["reference"]] and deleted == 0
    found = await detail(worker, number)
    assert found["outcome"] == "user_gone" and "bewaartermijn" in found["messages"][0]["text"]
    deleted, _ = await handovers.purge(30, now=later + timedelta(days=31))
    assert deleted == 1


async def test_a_handover_that_is_gone_gets_a_dutch_page_not_a_bare_error(client, log_in):
    worker = await log_in(client, await add_user(client, "page@rebelz.nl", "worker", ["apeldoorn"], "Anna"))
    page = await worker.get("/staff/handovers/999999")
    assert page.status == 404
    html = await page.text()
    assert "<h1>Niet gevonden</h1>" in html and "bestaat niet (meer)" in html and "no such" not in html


async def test_a_user_waiting_too_long_is_told_and_can_withdraw(client):
    made = await make_handover(client, client.settings, "slow-day")
    # A Monday morning well after now, outside every holiday: the office is open, nobody claimed it.
    monday = datetime(2027, 1, 11, 9, 30, tzinfo=timezone.utc)
    assert [h.reference for h in await client.server.app[ESCALATION].escalate_due(now=monday)] == [made["reference"]]
    waiting = await (await client.get("/api/v1/chat/pending", headers={
        "Authorization": f"Bearer {await rest_sender(client, 'slow-day')}"})).json()
    assert waiting[0]["text"].startswith("Het duurt langer dan normaal")
    assert made["reference"] in waiting[0]["text"]
    assert waiting[0]["buttons"] == [{"title": "Verzoek intrekken", "payload": "/cancel_handover"}]
