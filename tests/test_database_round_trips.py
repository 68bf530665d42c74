"""What one user message costs the database: every statement is a round trip, and under load the
database's queue is what users wait in (with SQLite, one writer at a time). Counted for an
ordinary message through the REST channel, the stand-in Rasa asking the NLG endpoint as Rasa
does; a button press costs no more than typed text."""
from __future__ import annotations

import asyncio
import sqlite3
from collections import Counter
from contextlib import closing

import pytest
from aiohttp.test_utils import TestServer
from sqlalchemy import event

from bot.app import create_app
from bot.appkeys import ENGINE
from bot.db.engine import make_engine
from support.stub_rasa import StubRasa

# The first message of a conversation reads its language and creates its row; every message asks
# once whether a handover or its notes exist (most conversations have neither) and records the
# activity (read and write). Before the count was kept here: 6 and 5.
FIRST_MESSAGE_AT_MOST = 4
LATER_MESSAGE_AT_MOST = 3


@pytest.fixture
async def rasa():
    stub = StubRasa("unset", "unset", response="utter_thank")
    server = TestServer(stub.app, host="127.0.0.1")
    await server.start_server()
    stub.url = str(server.make_url("")).rstrip("/")
    yield stub
    await server.close()


@pytest.fixture
async def client(aiohttp_client, settings, static_data, rasa):
    client = await aiohttp_client(create_app(settings.model_copy(update={"rasa_url": rasa.url}),
                                             static=static_data))
    rasa.gateway_token = settings.gateway_token.get_secret_value()
    rasa.nlg_token = settings.nlg_token.get_secret_value()
    rasa.nlg_url = str(client.make_url("/nlg"))
    return client


class Statements:
    def __init__(self) -> None:
        self.seen: Counter[str] = Counter()

    def __call__(self, connection, cursor, statement, parameters, context, executemany) -> None:
        self.seen[" ".join(statement.split())[:90]] += 1

    @property
    def count(self) -> int:
        return sum(self.seen.values())


async def send(client, sender: str, message: str) -> list[dict]:
    response = await client.post("/api/v1/chat", json={"sender": sender, "message": message})
    assert response.status == 200
    replies = await response.json()
    assert replies and replies[0]["text"]
    return replies


async def statements_for(client, sender: str, message: str) -> Statements:
    statements = Statements()
    engine = client.server.app[ENGINE].sync_engine
    event.listen(engine, "before_cursor_execute", statements)
    try:
        await send(client, sender, message)
    finally:
        event.remove(engine, "before_cursor_execute", statements)
    return statements


async def start(client) -> str:
    return (await (await client.post("/api/v1/chat/start")).json())["sender"]


async def start_up_work_done(client) -> None:
    """Waits until the service's start-up work (retention's purge, in the background) has stopped
    using the database: no statement for half a second."""
    statements = Statements()
    engine = client.server.app[ENGINE].sync_engine
    event.listen(engine, "before_cursor_execute", statements)
    try:
        for _ in range(60):
            seen = statements.count
            await asyncio.sleep(0.5)
            if statements.count == seen:
                return
    finally:
        event.remove(engine, "before_cursor_execute", statements)
    pytest.fail("the service kept using the database for 30 s after its start")


async def test_a_message_costs_a_handful_of_database_statements(client, rasa):
    await send(client, await start(client), "hallo")
    await start_up_work_done(client)
    sender = await start(client)
    first = await statements_for(client, sender, "hoe vraag ik bijstand aan")
    later = await statements_for(client, sender, "en hoe zit het met huur")
    button = await statements_for(client, sender, '/ask_benefits{"topic": "overview"}')
    print(f"first {first.count}: {dict(first.seen)}\nlater {later.count}: {dict(later.seen)}\n"
          f"button {button.count}: {dict(button.seen)}")
    assert rasa.received == 4
    assert first.count <= FIRST_MESSAGE_AT_MOST, first.seen
    assert later.count <= LATER_MESSAGE_AT_MOST, later.seen
    # A message that changes nothing the table keeps (activity is noted once a minute) writes
    # nothing: it only reads.
    assert not [statement for statement in later.seen if not statement.startswith("SELECT")], later.seen
    assert button.count <= LATER_MESSAGE_AT_MOST, button.seen


async def test_sqlite_commits_through_the_write_ahead_log_for_every_process(tmp_path, new_database):
    """One flush per commit instead of three; kept in the file, so a connection of another
    process (Rasa's tracker store) uses it too."""
    url = new_database("wal.db")
    engine = make_engine(url)
    async with engine.connect():
        with closing(sqlite3.connect(tmp_path / "wal.db")) as other_process:
            assert other_process.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    await engine.dispose()
