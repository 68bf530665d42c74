"""The cluster keeps every user answered when a part fails: a Rasa server killed under load, the
gateway replica holding a live chat killed, PostgreSQL restarted, Redis gone. And a conversation
whose messages take turns over the replicas keeps its state.

For each fault: messages sent, replies received, messages lost (must be 0) and the time to
recover, in results/cluster-faults.json (the `figures` fixture). Real processes throughout
(make test-cluster; tests/support/cluster.py).
"""
from __future__ import annotations

import asyncio
import json
import re
import subprocess
import urllib.request
import time
import uuid
from dataclasses import dataclass, field
from statistics import median

import aiohttp
from sqlalchemy import create_engine, text

from bot.content.files import parse_entries, read_content_dir
from bot.gateway.pseudonym import conversation_id
from bot.rasa_replicas import RasaReplicas
from support.cluster import BOT, Cluster, wait_until
from support.paths import ROOT
from support.staff import StaffLogins

ANSWERS = parse_entries(read_content_dir(ROOT / "data" / "content"))
TRY_AGAIN = {ANSWERS["utter_service_unavailable"].variants[language].text for language in ("nl", "en")}
TOPICS = ["hallo", "ik wil stoppen met dit werk", "kan ik bijstand krijgen", "ik heb schulden",
          "ik zoek een woning", "hoe werkt het uitstapprogramma", "dank je wel"]
FORM = ["ik wil met iemand van het uitstapprogramma praten", "Apeldoorn", "hier in de chat", "maakt niet uit",
        "Nederlands", "ja"]
TIMEOUT = aiohttp.ClientTimeout(total=60)
# The code a user gets for their handover (bot/handover/handovers.py new_reference).
REFERENCE = re.compile(r"\b[A-Z0-9]{3}-[A-Z0-9]{3}\b")


class Door:
    """A URL with the make_url of an aiohttp test client, for the staff login helper."""

    def __init__(self, base: str) -> None:
        self.base = base

    def make_url(self, path: str) -> str:
        return self.base + path


@dataclass
class Tally:
    """What the users saw: a reply is a list of messages with text, whatever the status."""
    sent: int = 0
    replied: int = 0
    try_again: int = 0
    errors: list[str] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    answered: dict[str, list[str]] = field(default_factory=dict)

    def figures(self) -> dict:
        ordered = sorted(self.latencies)
        return {"messages_sent": self.sent, "replies_received": self.replied,
                "messages_lost": self.sent - self.replied, "answered_try_again": self.try_again,
                "p50_ms": round(median(ordered) * 1000) if ordered else None,
                "max_ms": round(ordered[-1] * 1000) if ordered else None}


async def start_rest(session: aiohttp.ClientSession, base: str) -> str:
    async with session.post(f"{base}/api/v1/chat/start") as response:
        assert response.status == 200, await response.text()
        return (await response.json())["sender"]


async def say(session: aiohttp.ClientSession, base: str, sender: str, message: str, tally: Tally) -> list[dict]:
    tally.sent += 1
    started = time.monotonic()
    try:
        async with session.post(f"{base}/api/v1/chat", json={"sender": sender, "message": message},
                                timeout=TIMEOUT) as response:
            body = await response.json(content_type=None)
    except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
        tally.errors.append(type(error).__name__)
        return []
    if not (isinstance(body, list) and body and all(m.get("text") for m in body)):
        tally.errors.append(f"status {response.status}")
        return []
    tally.replied += 1
    tally.latencies.append(time.monotonic() - started)
    if any(m["text"] in TRY_AGAIN for m in body):
        tally.try_again += 1
    else:
        tally.answered.setdefault(sender, []).append(message)
    return body


async def chatter(session, base: str, tally: Tally, stop: asyncio.Event, pause: float = 0.3) -> str:
    """One user asking topic questions until `stop`; returns their sender."""
    sender = await start_rest(session, base)
    number = 0
    while not stop.is_set():
        await say(session, base, sender, TOPICS[number % len(TOPICS)], tally)
        number += 1
        await asyncio.sleep(pause)
    return sender


async def fill_form(session, base: str, tally: Tally, delay: float) -> tuple[str, str | None]:
    """One user asking for a person; returns (sender, the reference the user was given)."""
    await asyncio.sleep(delay)
    sender = await start_rest(session, base)
    reference = None
    for answer in FORM:
        for message in await say(session, base, sender, answer, tally):
            if found := _reference_in(message["text"]):
                reference = found
        await asyncio.sleep(0.5)
    return sender, reference


def _reference_in(text_: str) -> str | None:
    match = REFERENCE.search(text_)
    return match.group(0) if match else None


def history(cluster: Cluster, sender: str, channel: str = "rest") -> list[str]:
    """The user messages Rasa's tracker store holds for the conversation, in order."""
    conversation = conversation_id(cluster.secrets["SECRET_KEY"], channel, sender)
    for rasa in cluster.rasa_urls:
        try:
            with urllib.request.urlopen(f"{rasa}/conversations/{conversation}/tracker?token="
                                        f"{cluster.secrets['RASA_TOKEN']}", timeout=30) as response:
                tracker = json.load(response)
        except OSError:
            continue
        return [event.get("text") for event in tracker["events"] if event["event"] == "user"]
    raise AssertionError("no Rasa replica answered")


def is_subsequence(wanted: list[str], found: list[str]) -> bool:
    remaining = iter(found)
    return all(any(item == other for other in remaining) for item in wanted)


def handovers_of(cluster: Cluster, senders: list[str]) -> dict[str, int]:
    engine = create_engine(cluster.env["DATABASE_URL"])
    try:
        with engine.connect() as connection:
            return {sender: connection.scalar(text("SELECT count(*) FROM handovers WHERE conversation_id = :c"),
                                              {"c": conversation_id(cluster.secrets["SECRET_KEY"], "rest", sender)})
                    for sender in senders}
    finally:
        engine.dispose()


def wait_for_replica(cluster: Cluster, name: str, url: str) -> float:
    check = (lambda: cluster.rasa_ready(url)) if name.startswith("rasa") else (lambda: cluster.ready(f"{url}/readyz"))
    return wait_until(check, 300, f"{name} back", every=0.5)


# --- state across replicas ------------------------------------------------------------------------

async def test_a_conversation_taking_turns_over_gateways_and_rasa_replicas_keeps_its_form(cluster: Cluster, figures):
    """Each answer of the handover form goes in through another door: gateway 1, gateway 2, and
    straight into the Rasa replica that is not the conversation's home (as a gateway whose
    replica list differs would send it)."""
    tally = Tally()
    async with aiohttp.ClientSession() as session:
        sender = await start_rest(session, cluster.bot_urls[0])
        conversation = conversation_id(cluster.secrets["SECRET_KEY"], "rest", sender)
        other_rasa = (await RasaReplicas(cluster.rasa_urls).order(conversation))[1]
        replies: list[list[dict]] = []
        for number, answer in enumerate(FORM):
            if number % 3 == 2:
                tally.sent += 1
                async with session.post(f"{other_rasa}/webhooks/gateway/webhook", json={
                        "sender": conversation, "message": answer, "metadata": {}},
                        headers={"Authorization": f"Bearer {cluster.secrets['GATEWAY_TOKEN']}"}) as response:
                    assert response.status == 200
                    body = await response.json()
                    tally.replied += 1
                replies.append(body)
            else:
                replies.append(await say(session, cluster.bot_urls[number % 3], sender, answer, tally))
    assert tally.sent == tally.replied == len(FORM) and tally.try_again == 0, tally
    assert _reference_in(" ".join(m.get("text") or "" for m in replies[-1])), replies[-1]
    assert history(cluster, sender) == FORM
    assert handovers_of(cluster, [sender]) == {sender: 1}
    figures.update(tally.figures())


async def test_two_messages_at_once_on_two_rasa_replicas_are_handled_one_after_the_other(cluster: Cluster, figures):
    """Rasa's lock store (Redis) holds the second message until the first turn is saved: the
    tracker never shows two user messages before their answers."""
    async with aiohttp.ClientSession() as session:
        interleaved = 0
        for _ in range(10):
            conversation = uuid.uuid4().hex

            async def send(rasa: str, message: str, conversation: str = conversation) -> None:
                async with session.post(f"{rasa}/webhooks/gateway/webhook", json={
                        "sender": conversation, "message": message, "metadata": {}},
                        headers={"Authorization": f"Bearer {cluster.secrets['GATEWAY_TOKEN']}"},
                        timeout=TIMEOUT) as response:
                    assert response.status == 200

            await asyncio.gather(send(cluster.rasa_urls[0], "ik heb schulden"),
                                 send(cluster.rasa_urls[1], "ik zoek een woning"))
            async with session.get(f"{cluster.rasa_urls[0]}/conversations/{conversation}/tracker",
                                   params={"token": cluster.secrets["RASA_TOKEN"]}) as response:
                events = [e["event"] for e in (await response.json())["events"] if e["event"] in ("user", "bot")]
            assert events.count("user") == 2
            first_bot, second_user = events.index("bot"), len(events) - 1 - events[::-1].index("user")
            interleaved += second_user < first_bot
    figures["pairs"] = 10
    figures["pairs_interleaved"] = interleaved
    assert interleaved == 0


# --- faults ---------------------------------------------------------------------------------------

async def test_killing_a_rasa_server_under_load_costs_no_reply_no_history_and_no_handover(cluster: Cluster, figures):
    tally = Tally()
    stop = asyncio.Event()
    async with aiohttp.ClientSession() as session:
        chatting = [asyncio.create_task(chatter(session, cluster.public, tally, stop)) for _ in range(16)]
        forms = [asyncio.create_task(fill_form(session, cluster.public, tally, delay=0.7 * n)) for n in range(6)]
        await asyncio.sleep(4)
        cluster.kill("rasa1")
        killed_at = time.monotonic()
        await asyncio.sleep(12)
        stop.set()
        senders = await asyncio.gather(*chatting)
        filled = await asyncio.gather(*forms)
    wait_for_replica(cluster, "rasa1", cluster.rasa_urls[0])
    back = time.monotonic() - killed_at
    figures.update(tally.figures())
    figures["replica_serving_again_after_s"] = round(back, 1)
    assert tally.sent == tally.replied, tally.errors  # every user got a reply
    assert tally.try_again == 0, "the surviving replica answered every message"
    for sender in senders:
        assert is_subsequence(tally.answered[sender], history(cluster, sender)), sender
    assert all(reference for _, reference in filled), filled
    assert set(handovers_of(cluster, [sender for sender, _ in filled]).values()) == {1}


async def test_killing_the_gateway_holding_a_live_chat_loses_no_message(cluster: Cluster, figures):
    account = json.loads(subprocess.run(
        [str(BOT), "users", "add", "--role", "worker", "--region", "apeldoorn", "--email",
         f"anna-{uuid.uuid4().hex[:6]}@rebelz.nl", "--name", "Anna", "--json"],
        cwd=ROOT, env=cluster.env, check=True, capture_output=True, text=True).stdout)
    received: list[str] = []
    sent_by_worker: list[str] = []
    # The widget's socket on bot replica 1, as HAProxy may have placed it; when that replica dies
    # the widget reconnects through the public door, as widget.js does.
    holder, name = cluster.bot_urls[0], "bot1"
    async with aiohttp.ClientSession() as session, StaffLogins() as logins:
        socket = await session.ws_connect(f"{holder}/ws/chat")
        token = (await socket.receive_json())["id"]
        last_id = 0

        shown: set[int] = set()
        sent_again = 0

        async def read(socket_, until, seconds: float = 30) -> None:
            """Frames until `until()`: the worker's messages into `received`, the newest id shown.
            Like widget.js, a message whose id is on the screen already is not shown again."""
            nonlocal last_id, sent_again
            deadline = time.monotonic() + seconds
            while not until():
                frame = await asyncio.wait_for(socket_.receive_json(), deadline - time.monotonic())
                for message in frame.get("messages", []) if frame["type"] == "bot" else []:
                    number = int(message.get("id") or 0)
                    if number and number in shown:
                        sent_again += 1
                        continue
                    shown.add(number)
                    if message.get("sender") == "worker":
                        received.append(message["text"])
                    last_id = max(last_id, number)
                if frame["type"] == "bot":
                    replied.append(frame)

        replied: list[dict] = []
        for answer in FORM:
            await socket.send_str(json.dumps({"type": "message", "text": answer}))
            count = len(replied)
            await read(socket, lambda count=count: len(replied) > count)
        worker = await logins.log_in(Door(cluster.public), account)
        queue = await (await worker.get("/api/v1/staff/handovers")).json()
        # The widget user's (the other tests' users chatted over REST: no presence).
        number = next(h["id"] for h in queue if h["user_presence"] == "online" and not h["claimed"])
        assert (await worker.post(f"/api/v1/staff/handovers/{number}/claim")).status == 200
        for text_ in ("Hoi, ik ben Anna.", "Hoe gaat het?"):
            sent_by_worker.append(text_)
            assert (await worker.post(f"/api/v1/staff/handovers/{number}/messages", {"text": text_})).status == 201
        await read(socket, lambda: len(received) >= 2)

        cluster.kill(name)
        killed_at = time.monotonic()
        # The worker goes on writing while the user's widget is cut off. A send that meets the
        # dying replica fails; the inbox page then posts the form again (bot/staff/static/inbox.js).
        for text_ in ("Ben je er nog?", "Ik wacht."):
            sent_by_worker.append(text_)
            try:
                response = await worker.post(f"/api/v1/staff/handovers/{number}/messages", {"text": text_})
            except aiohttp.ClientError:
                response = await worker.post(f"/api/v1/staff/handovers/{number}/messages", {"text": text_})
            assert response.status == 201, await response.text()
        # The widget reconnects (widget.js: the token and the last message it showed).
        socket = None
        while socket is None:
            try:
                socket = await session.ws_connect(f"{cluster.public}/ws/chat?session={token}&last={last_id}")
            except aiohttp.ClientError:
                await asyncio.sleep(0.5)
        resumed = await socket.receive_json()
        reconnected_after = time.monotonic() - killed_at
        assert resumed == {"type": "session", "id": token, "resumed": True}
        await read(socket, lambda: len(received) >= 4)
        await socket.send_str(json.dumps({"type": "message", "text": "ja ik ben er nog"}))

        async def user_message_arrived() -> bool:
            detail = await (await worker.get(f"/api/v1/staff/handovers/{number}")).json()
            return any(m["text"] == "ja ik ben er nog" for m in detail["messages"])
        for _ in range(100):
            if await user_message_arrived():
                break
            await asyncio.sleep(0.1)
        assert await user_message_arrived()
        await socket.close()
    wait_for_replica(cluster, name, holder)
    back = time.monotonic() - killed_at
    figures.update({"worker_messages_sent": len(sent_by_worker), "received_by_user": len(received),
                    "messages_lost": len(set(sent_by_worker) - set(received)),
                    "shown_twice": len(received) - len(set(received)), "sent_again_by_id": sent_again,
                    "widget_reconnected_after_s": round(reconnected_after, 1),
                    "replica_serving_again_after_s": round(back, 1)})
    assert received == sent_by_worker


async def test_a_postgresql_restart_under_load_fails_kindly_and_recovers_by_itself(cluster: Cluster, postgres, figures):
    tally = Tally()
    stop = asyncio.Event()
    async with aiohttp.ClientSession() as session:
        chatting = [asyncio.create_task(chatter(session, cluster.public, tally, stop)) for _ in range(10)]
        await asyncio.sleep(3)
        postgres.stop()
        stopped_at = time.monotonic()
        await asyncio.sleep(5)
        before_restart = tally.replied
        postgres.start()
        restarted_at = time.monotonic()
        down_for = restarted_at - stopped_at

        async def answered_normally() -> bool:
            probe = Tally()
            sender = await start_rest(session, cluster.public)
            await say(session, cluster.public, sender, "ik heb schulden", probe)
            return probe.replied == 1 and probe.try_again == 0
        while not await answered_normally():
            await asyncio.sleep(0.5)
        recovered = time.monotonic() - restarted_at
        await asyncio.sleep(2)
        stop.set()
        await asyncio.gather(*chatting)
    figures.update(tally.figures())
    figures.update({"postgres_down_s": round(down_for, 1), "recovered_after_restart_s": round(recovered, 1),
                    "replies_while_down": before_restart})
    assert tally.sent == tally.replied, tally.errors  # kindly: the "try again" message, never silence
    assert tally.try_again > 0  # it was down for real
    assert recovered < 30


async def test_redis_down_degrades_with_one_warning_and_recovers_by_itself(cluster: Cluster, redis, figures):
    log_before = len(cluster.log.read_text(errors="replace"))
    tally = Tally()
    stop = asyncio.Event()
    async with aiohttp.ClientSession() as session:
        chatting = [asyncio.create_task(chatter(session, cluster.public, tally, stop)) for _ in range(8)]
        await asyncio.sleep(3)
        redis.stop()
        await asyncio.sleep(8)
        during = Tally(**{"sent": tally.sent, "replied": tally.replied, "try_again": tally.try_again})
        redis.start()
        restarted_at = time.monotonic()
        await asyncio.sleep(8)
        stop.set()
        await asyncio.gather(*chatting)
    logged = cluster.log.read_text(errors="replace")[log_before:]
    # One line per process that noticed: each bot service's, each Rasa's lock store's.
    warnings = [line for line in logged.splitlines() if "redis_unavailable" in line]
    back = [line for line in logged.splitlines() if "redis_available_again" in line]
    figures.update(tally.figures())
    figures.update({"replies_while_down": during.replied, "redis_warnings_logged": len(warnings),
                    "recovered_after_restart_s": round(time.monotonic() - restarted_at, 1)})
    assert tally.sent == tally.replied, tally.errors
    assert tally.try_again == 0, "Redis down costs no answer"
    assert 1 <= len(warnings) <= 2 * cluster.replicas, warnings  # not once a message
    assert len(back) == len(warnings)
