"""'Forget me' and retention delete a conversation everywhere, on SQLite and on PostgreSQL.

Checked in the tables themselves: Rasa's tracker store (`events`) and the bot's `conversations`.
"""
from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import create_engine, text

from bot.gateway.pseudonym import conversation_id

ROOT = Path(__file__).resolve().parent.parent


def sync_url(database_url: str) -> str:
    return database_url.replace("+aiosqlite", "").replace("+psycopg", "+psycopg")


def rows(stack, sql: str, **params) -> int:
    engine = create_engine(sync_url(stack.database_url))
    try:
        with engine.connect() as connection:
            return connection.execute(text(sql), params).scalar_one()
    finally:
        engine.dispose()


def counts(stack, conversation: str) -> tuple[int, int]:
    events = rows(stack, "SELECT count(*) FROM events WHERE sender_id = :id", id=conversation)
    kept = rows(stack, "SELECT count(*) FROM conversations WHERE id = :id", id=conversation)
    return events, kept


@pytest.fixture(params=[pytest.param("stack", marks=pytest.mark.stack),
                        pytest.param("pg_stack", marks=[pytest.mark.stack, pytest.mark.pg])])
def any_stack(request):
    return request.getfixturevalue(request.param)


def test_forget_me_asks_once_then_deletes_everything(any_stack):
    sender = uuid.uuid4().hex
    conversation = conversation_id(any_stack.secret_key, "rest", any_stack.sender(sender))
    any_stack.chat(sender, "ik heb schulden")
    any_stack.chat(sender, "/request_handover")
    any_stack.chat(sender, "Apeldoorn")
    events, kept = counts(any_stack, conversation)
    assert events > 0 and kept == 1, "Rasa's SQL tracker store and the bot both hold it"

    question = any_stack.chat(sender, "verwijder al mijn gegevens")[0]
    assert "wis" in question["text"]
    confirm = next(b for b in question["buttons"] if b["title"] == "Ja, wis alles")
    assert counts(any_stack, conversation)[0] > 0, "nothing is deleted before the confirmation"

    done = any_stack.chat(sender, confirm["payload"])[0]
    assert done["text"].startswith("Gedaan. Ik heb dit gesprek gewist")
    assert counts(any_stack, conversation) == (0, 0)


def test_saying_no_keeps_the_conversation(any_stack):
    sender = uuid.uuid4().hex
    conversation = conversation_id(any_stack.secret_key, "rest", any_stack.sender(sender))
    any_stack.chat(sender, "ik wil alles wissen")
    replies = any_stack.chat(sender, "/deny")
    assert replies[0]["buttons"]
    assert counts(any_stack, conversation)[1] == 1
    assert counts(any_stack, conversation)[0] > 0


def test_purge_deletes_only_conversations_idle_past_retention(any_stack):
    old, recent = uuid.uuid4().hex, uuid.uuid4().hex
    old_id = conversation_id(any_stack.secret_key, "rest", any_stack.sender(old))
    recent_id = conversation_id(any_stack.secret_key, "rest", any_stack.sender(recent))
    any_stack.chat(old, "hoi")
    any_stack.chat(recent, "hoi")
    forty_days_ago = time.time() - 40 * 86400
    engine = create_engine(sync_url(any_stack.database_url))
    with engine.begin() as connection:
        connection.execute(text("UPDATE events SET timestamp = :t WHERE sender_id = :id"),
                           {"t": forty_days_ago, "id": old_id})
        connection.execute(text("UPDATE conversations SET last_activity = :t WHERE id = :id"),
                           {"t": "2020-01-01 00:00:00+00:00", "id": old_id})
    engine.dispose()

    env = {**os.environ, "DATABASE_URL": any_stack.database_url, "RETENTION_DAYS": "30",
           "RASA_TOKEN": "x" * 32, "SECRET_KEY": "x" * 32, "ENCRYPTION_KEY": Fernet.generate_key().decode(),
           **any_stack.boundary_tokens}
    result = subprocess.run([sys.executable, "-m", "bot.cli", "purge"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert counts(any_stack, old_id) == (0, 0)
    assert counts(any_stack, recent_id)[0] > 0 and counts(any_stack, recent_id)[1] == 1
