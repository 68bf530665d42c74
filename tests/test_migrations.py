"""Schema migrations: the migrated schema is the models' on SQLite and PostgreSQL (a model change
without a migration fails here); a database of the release before migrations upgrades with every
row kept and keeps working; an unknown schema is refused; the service refuses a database behind
the code with one line that says what to do."""
from __future__ import annotations

import asyncio
import json
import os
import secrets
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any, Iterator

import pyotp
import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Column, MetaData, String, create_engine, inspect, text

from bot.app import create_app
from bot.db.models import Base
from bot.db.schema import head_revision, include_name, upgrade_database
from bot.settings import Settings
from support.database import POSTGRES_ADMIN
from support.paths import ROOT

PREVIOUS_RELEASE = Path(__file__).resolve().parent / "data" / "previous_release"
# TEST-ONLY secrets the fixtures were made with (tests/data/previous_release/make_fixtures.py).
FIXTURE_SECRETS = json.loads((PREVIOUS_RELEASE / "test_only_secrets.json").read_text())
SECRET_NAMES = ("secret_key", "encryption_key", "rasa_token", "gateway_token", "nlg_token", "action_token",
                "internal_token")


def bot(database_url: str, *args: str) -> subprocess.CompletedProcess:
    """`bot ...` as an operator runs it, with the fixtures' secrets."""
    env = {"PATH": os.environ["PATH"], "PYTHONPATH": str(ROOT), "DATABASE_URL": database_url,
           **{name.upper(): FIXTURE_SECRETS[name] for name in SECRET_NAMES}}
    return subprocess.run([sys.executable, "-m", "bot.cli", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)


def sync_url(database_url: str) -> str:
    return database_url.replace("+aiosqlite", "")


def schema_differences(database_url: str, metadata: MetaData = Base.metadata) -> list[Any]:
    engine = create_engine(sync_url(database_url))
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"include_name": include_name,
                                                                   "compare_type": True})
            return compare_metadata(context, metadata)
    finally:
        engine.dispose()


def contents(database_url: str) -> dict[str, list[tuple]]:
    """Every row of every table (the version table aside), in a stable order."""
    engine = create_engine(sync_url(database_url))
    try:
        with engine.connect() as connection:
            tables = set(inspect(connection).get_table_names()) - {"alembic_version"}
            return {table: sorted((tuple(row) for row in connection.execute(text(f'SELECT * FROM "{table}"'))),
                                  key=repr) for table in sorted(tables)}
    finally:
        engine.dispose()


def rasa_table(database_url: str) -> tuple[list[Any], list[Any]]:
    """The columns and indexes of Rasa's `events` table."""
    engine = create_engine(sync_url(database_url))
    try:
        with engine.connect() as connection:
            inspector = inspect(connection)
            return ([(c["name"], str(c["type"]), c["nullable"]) for c in inspector.get_columns("events")],
                    sorted((i["name"], i["column_names"]) for i in inspector.get_indexes("events")))
    finally:
        engine.dispose()


@pytest.fixture
def postgresql_database() -> Iterator[str]:
    import psycopg

    name = f"exit_support_migrations_{secrets.token_hex(4)}"
    with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def previous_release(request, tmp_path) -> Iterator[tuple[str, str]]:
    """(dialect, URL of a database made by the release before migrations, with data in every table)."""
    if request.param == "sqlite":
        path = tmp_path / "previous.db"
        with sqlite3.connect(path) as connection:
            connection.executescript((PREVIOUS_RELEASE / "sqlite.sql").read_text())
        yield "sqlite", f"sqlite+aiosqlite:///{path}"
        return
    url = request.getfixturevalue("postgresql_database")
    subprocess.run(["psql", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-U", "postgres",
                    "-d", url.rsplit("/", 1)[1], "-f", str(PREVIOUS_RELEASE / "postgresql.sql")],
                   check=True, capture_output=True)
    yield "postgresql", url


def test_the_migrated_schema_is_the_models_on_sqlite(migrated_sqlite):
    url = f"sqlite+aiosqlite:///{migrated_sqlite}"
    assert schema_differences(url) == []
    with sqlite3.connect(migrated_sqlite) as connection:
        tables = dict(connection.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table'").fetchall())
    # Numbers never given out again after a deletion (bot/db/models.py): audit rows never mix two people.
    assert "AUTOINCREMENT" in tables["handovers"] and "AUTOINCREMENT" in tables["handover_messages"]


@pytest.mark.pg
def test_the_migrated_schema_is_the_models_on_postgresql(postgresql_database):
    asyncio.run(upgrade_database(postgresql_database))
    assert schema_differences(postgresql_database) == []


def test_a_model_change_without_a_migration_is_found(migrated_sqlite):
    changed = MetaData()
    for table in Base.metadata.tables.values():
        table.to_metadata(changed)
    changed.tables["handovers"].append_column(Column("note", String(40), nullable=True))
    differences = schema_differences(f"sqlite+aiosqlite:///{migrated_sqlite}", changed)
    assert [(kind, column.name) for kind, _, table, column in differences] == [("add_column", "note")]


async def test_a_database_of_the_previous_release_upgrades_with_every_row_kept_and_keeps_working(
        previous_release, aiohttp_client, static_data):
    dialect, url = previous_release
    before, rasa_before = contents(url), rasa_table(url)
    assert all(before.values()), "the fixture has rows in every table"

    status = bot(url, "db", "current")
    assert status.returncode == 1 and "bot db upgrade" in status.stdout
    upgraded = bot(url, "db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    assert "every row kept" in upgraded.stdout

    assert contents(url) == before  # every table, every row, every value: Rasa's events too
    assert rasa_table(url) == rasa_before
    status = bot(url, "db", "current")
    assert status.returncode == 0 and f"revision {head_revision()} (the newest)" in status.stdout
    assert schema_differences(url) == []

    # The service runs on it with the secrets it was made with: a worker logs in and reads what
    # was stored encrypted.
    settings = Settings(database_url=url, **{name: FIXTURE_SECRETS[name] for name in SECRET_NAMES})
    client = await aiohttp_client(create_app(settings, static=static_data.for_settings(settings)))
    login = next(account for account in FIXTURE_SECRETS["staff_logins"][dialect]
                 if account["email"] == "worker@example.org")
    response = await client.post("/api/v1/staff/login", json={
        "email": login["email"], "password": login["password"], "totp": pyotp.TOTP(login["totp_secret"]).now()})
    assert response.status == 200, await response.text()
    csrf = {"X-CSRF-Token": (await response.json())["csrf_token"]}
    queue = await (await client.get("/api/v1/staff/handovers?closed=1")).json()
    chat, phone = (next(h for h in queue if h["contact"] == contact) for contact in ("chat", "phone"))
    detail = await (await client.get(f"/api/v1/staff/handovers/{chat['id']}")).json()
    assert [(m["sender"], m["text"]) for m in detail["messages"]] == [
        ("user", "Hello, is someone there?"), ("worker", "Hi, this is Sanne."),
        ("notice", "Sanne has left the chat."), ("user", "I am scared")]
    assert (await client.post(f"/api/v1/staff/handovers/{phone['id']}/claim", headers=csrf)).status == 200
    contact = await (await client.get(f"/api/v1/staff/handovers/{phone['id']}/contact")).json()
    assert contact["phone"] == "0612345678"


def test_an_empty_database_is_refused_then_upgraded_from_scratch(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path}/empty.db"
    for command in (("serve",), ("users", "list"), ("purge",), ("content", "import"), ("retrain", "status")):
        refused = bot(url, *command)
        assert refused.returncode == 1, command
        assert refused.stderr.strip().splitlines()[-1] == (
            "bot: not started: the database has no tables yet: run `bot db upgrade` first"), command
        assert "Traceback" not in refused.stderr
    status = bot(url, "db", "current")
    assert status.returncode == 1 and "run `bot db upgrade` first" in status.stdout

    upgraded = bot(url, "db", "upgrade")
    assert upgraded.returncode == 0 and "schema created" in upgraded.stdout
    assert bot(url, "db", "current").returncode == 0
    again = bot(url, "db", "upgrade")
    assert again.returncode == 0 and "nothing to do" in again.stdout
    assert schema_differences(url) == []


def test_a_database_with_an_unknown_schema_is_refused_and_left_as_it_was(tmp_path):
    path = tmp_path / "partial.db"
    with sqlite3.connect(path) as connection:
        connection.executescript((PREVIOUS_RELEASE / "sqlite.sql").read_text())
        connection.execute("DROP TABLE file_syncs")  # a table short: not what the previous release made
    url = f"sqlite+aiosqlite:///{path}"
    before = contents(url)

    refused = bot(url, "db", "upgrade")
    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    assert "missing tables: file_syncs" in refused.stderr and "nothing changed" in refused.stderr
    assert contents(url) == before
    with sqlite3.connect(path) as connection:
        assert connection.execute("SELECT name FROM sqlite_master WHERE name = 'alembic_version'").fetchall() == []
    serve = bot(url, "serve")
    assert serve.returncode == 1 and "Traceback" not in serve.stderr
    assert "no migration history" in serve.stderr.strip().splitlines()[-1]


def test_a_database_at_a_revision_this_release_does_not_know_is_refused(migrated_sqlite, tmp_path):
    path = tmp_path / "newer.db"
    path.write_bytes(migrated_sqlite.read_bytes())
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE alembic_version SET version_num = '9999'")
    url = f"sqlite+aiosqlite:///{path}"
    status = bot(url, "db", "current")
    assert status.returncode == 2 and "does not know" in status.stdout
    refused = bot(url, "db", "upgrade")
    assert refused.returncode == 2 and "does not know" in refused.stderr
