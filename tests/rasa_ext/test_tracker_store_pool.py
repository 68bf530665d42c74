"""Rasa's tracker store on PostgreSQL opens no more connections than TRACKER_STORE_POOL_SIZE plus
TRACKER_STORE_MAX_OVERFLOW, however many conversations are handled at once, so several replicas
stay under PostgreSQL's connection limit (against the real PostgreSQL, in a database of its own).
Run with .venv-rasa's pytest."""
from __future__ import annotations

import threading
import time
import uuid
from typing import Iterator

import pytest
import sqlalchemy as sa

from rasa_ext.tracker_store import UrlSQLTrackerStore

ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


@pytest.fixture
def database() -> Iterator[str]:
    name = "test_rasa_pool_" + uuid.uuid4().hex[:12]
    admin = sa.create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    yield name
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


def connections_to(name: str) -> int:
    admin = sa.create_engine(ADMIN_URL, poolclass=sa.pool.NullPool)
    with admin.connect() as connection:
        count = connection.execute(
            sa.text("SELECT count(*) FROM pg_stat_activity WHERE datname = :name"), {"name": name}).scalar()
    admin.dispose()
    return int(count)


def test_conversations_at_once_never_open_more_than_pool_and_overflow(database, monkeypatch):
    monkeypatch.setenv("TRACKER_STORE_POOL_SIZE", "2")
    monkeypatch.setenv("TRACKER_STORE_MAX_OVERFLOW", "1")
    monkeypatch.setenv("SQL_POOL_SIZE", "50")  # Rasa's own variables: ours decide
    monkeypatch.setenv("SQL_MAX_OVERFLOW", "100")
    store = UrlSQLTrackerStore(host=f"postgresql://postgres@127.0.0.1:5432/{database}")
    assert (store.engine.pool.size(), store.engine.pool._max_overflow) == (2, 1)
    most = [0]
    done = []

    def conversation() -> None:
        # Rasa's own sessions, each holding its connection a while, as a slow query would.
        with store.session_scope() as session:
            session.execute(sa.text("SELECT pg_sleep(0.3)"))
        done.append(True)

    threads = [threading.Thread(target=conversation) for _ in range(8)]
    for thread in threads:
        thread.start()
    while any(thread.is_alive() for thread in threads):
        most[0] = max(most[0], connections_to(database))
        time.sleep(0.05)
    store.engine.dispose()
    assert len(done) == 8  # the ones without a connection waited for one, none failed
    assert most[0] == 3


def test_without_the_variables_the_pool_is_sqlalchemys_not_rasas(database, monkeypatch):
    monkeypatch.delenv("TRACKER_STORE_POOL_SIZE", raising=False)
    monkeypatch.delenv("TRACKER_STORE_MAX_OVERFLOW", raising=False)
    monkeypatch.setenv("SQL_POOL_SIZE", "50")  # Rasa's own variables: ours decide
    monkeypatch.setenv("SQL_MAX_OVERFLOW", "100")
    store = UrlSQLTrackerStore(host=f"postgresql://postgres@127.0.0.1:5432/{database}")
    # Rasa's own defaults would be 50 and 100: 150 connections for one replica.
    assert (store.engine.pool.size(), store.engine.pool._max_overflow) == (5, 5)
    store.engine.dispose()


def test_a_pool_size_that_is_not_a_number_stops_rasa_with_the_variable_named(monkeypatch):
    monkeypatch.setenv("TRACKER_STORE_POOL_SIZE", "lots")
    monkeypatch.delenv("SQL_POOL_SIZE", raising=False)
    with pytest.raises(SystemExit, match="TRACKER_STORE_POOL_SIZE"):
        UrlSQLTrackerStore(host="postgresql://postgres@127.0.0.1:5432/unused")


def test_a_failed_save_never_puts_the_message_text_into_the_error_rasa_logs(database):
    store = UrlSQLTrackerStore(host=f"postgresql://postgres@127.0.0.1:5432/{database}")
    with pytest.raises(sa.exc.DBAPIError) as failed:
        with store.session_scope() as session:
            session.add(store.SQLEvent(sender_id="x" * 300, type_name="user", data="my secret text"))
            session.commit()  # sender_id is at most 255 characters: PostgreSQL refuses it
    store.engine.dispose()
    assert "my secret text" not in str(failed.value)
