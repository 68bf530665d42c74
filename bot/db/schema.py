"""Where a database's schema stands against this release's migrations (bot/db/migrations/), and
upgrading it: from empty, from a release before migrations (stamped once its tables are checked),
or from an older revision. Never creates, alters or drops Rasa's `events` table; never logs SQL
parameters (the engine hides them)."""
from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Connection, create_engine, inspect, text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db.engine import make_engine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# The schema of the last release that made its tables with create_all at start (72b7918).
BASELINE = "0001"
VERSION_TABLE = "alembic_version"
# Rasa's tracker store writes its own table into the same database: Rasa's, never ours.
RASA_TABLES = frozenset({"events"})
# Two `bot db upgrade` at once on PostgreSQL (two deploy jobs): the second waits, then finds
# nothing to do. Any fixed number; it names this lock among the database's advisory locks.
UPGRADE_LOCK = 0x626F7464  # "botd"

Kind = Literal["current", "behind", "empty", "previous_release", "unknown"]


class SchemaNotCurrent(Exception):
    """The database is not at this release's schema; the text says what to do."""


class SchemaRefused(SchemaNotCurrent):
    """`bot db upgrade` cannot bring this database to the newest schema by itself."""


@dataclass(frozen=True)
class SchemaState:
    kind: Kind
    revision: str | None  # the database's; None: it has no version table
    head: str  # this release's newest
    detail: str = ""

    def problem(self) -> str:
        """What is wrong, and what to do, in one line; empty when the database is current."""
        if self.kind == "current":
            return ""
        if self.kind == "behind":
            return (f"the database is at schema revision {self.revision}, this release needs {self.head}: "
                    f"run `bot db upgrade` first")
        if self.kind == "empty":
            return "the database has no tables yet: run `bot db upgrade` first"
        if self.kind == "previous_release":
            return ("the database was made by a release before migrations: run `bot db upgrade` first "
                    "(it keeps every row)")
        return f"{self.detail}; nothing changed"

    def raise_unless_current(self) -> None:
        if self.kind == "unknown":
            raise SchemaRefused(self.problem())
        if self.kind != "current":
            raise SchemaNotCurrent(self.problem())


def include_name(name: str | None, type_: str, parent_names: Any) -> bool:
    """Alembic's filter: Rasa's tables are neither compared nor migrated."""
    return not (type_ == "table" and name in RASA_TABLES)


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic's configuration, made here (no alembic.ini): works from any working directory."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    # ConfigParser interpolation: %% is a literal percent sign.
    config.set_main_option("file_template", "%%(rev)s_%%(slug)s")
    config.attributes["connection"] = connection
    return config


@functools.cache
def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:
        raise RuntimeError(f"{MIGRATIONS / 'versions'} holds no migration")
    return head


async def schema_state(engine: AsyncEngine) -> SchemaState:
    async with engine.connect() as connection:
        return await connection.run_sync(_state)


async def require_current(engine: AsyncEngine) -> None:
    """Raises SchemaNotCurrent unless the database is at this release's newest schema."""
    (await schema_state(engine)).raise_unless_current()


async def upgrade(engine: AsyncEngine) -> tuple[SchemaState, SchemaState]:
    """Brings the database to the newest schema; returns the states before and after. Raises
    SchemaRefused, changing nothing, for a schema it does not know."""
    async with engine.begin() as connection:
        return await connection.run_sync(_upgrade)


async def upgrade_database(database_url: str) -> SchemaState:
    engine = make_engine(database_url)
    try:
        return (await upgrade(engine))[1]
    finally:
        await engine.dispose()


def _upgrade(connection: Connection) -> tuple[SchemaState, SchemaState]:
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": UPGRADE_LOCK})
    before = _state(connection)
    if before.kind == "unknown":
        raise SchemaRefused(before.problem())
    config = alembic_config(connection)
    if before.kind == "previous_release":
        command.stamp(config, BASELINE)
    if before.kind != "current":
        command.upgrade(config, "head")
    return before, _state(connection)


def _state(connection: Connection) -> SchemaState:
    head = head_revision()
    revisions = MigrationContext.configure(connection).get_current_heads()
    if revisions == (head,):
        return SchemaState("current", head, head)
    if revisions:
        revision = ",".join(revisions)
        try:
            ScriptDirectory.from_config(alembic_config()).get_revisions(revisions)
        except CommandError:
            return SchemaState("unknown", revision, head, f"the database is at schema revision {revision}, "
                               f"which this release does not know (a newer release migrated it?)")
        return SchemaState("behind", revision, head)
    tables = _own_tables(connection)
    if not tables:
        return SchemaState("empty", None, head)
    expected = _baseline_shape()
    actual = _shape(connection, tables)
    if actual == expected:
        return SchemaState("previous_release", None, head)
    return SchemaState("unknown", None, head, "the database has tables but no migration history, and they are "
                       f"not those of the release before migrations ({_difference(expected, actual)})")


def _own_tables(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names()) - RASA_TABLES - {VERSION_TABLE}


Shape = dict[str, tuple[frozenset[tuple[str, bool]], frozenset[tuple[str, ...]], frozenset[tuple[Any, ...]]]]


def _shape(connection: Connection, tables: set[str]) -> Shape:
    """Per table: its columns (name, nullable), unique column sets and named indexes: what tells
    the baseline apart from another schema on SQLite and on PostgreSQL alike."""
    inspector = inspect(connection)
    shape: Shape = {}
    for table in sorted(tables):
        columns = frozenset((column["name"], bool(column["nullable"])) for column in inspector.get_columns(table))
        uniques = {tuple(sorted(c for c in unique["column_names"] if c)) for unique in
                   inspector.get_unique_constraints(table)}
        indexes = set()
        for index in inspector.get_indexes(table):
            names = tuple(c or "" for c in index["column_names"])
            if index.get("duplicates_constraint") or (index["unique"] and tuple(sorted(names)) in uniques):
                continue
            indexes.add((index["name"], names, bool(index["unique"])))
        shape[table] = (columns, frozenset(uniques), frozenset(indexes))
    return shape


@functools.cache
def _baseline_shape() -> Shape:
    """The baseline migration run on a scratch in-memory SQLite: the tables a release before
    migrations made."""
    engine = create_engine("sqlite://")
    try:
        with engine.begin() as connection:
            command.upgrade(alembic_config(connection), BASELINE)
            return _shape(connection, _own_tables(connection))
    finally:
        engine.dispose()


def _difference(expected: Shape, actual: Shape) -> str:
    missing, unexpected = sorted(set(expected) - set(actual)), sorted(set(actual) - set(expected))
    changed = sorted(table for table in set(expected) & set(actual) if expected[table] != actual[table])
    parts = [f"{label}: {', '.join(names)}" for label, names in
             (("missing tables", missing), ("unknown tables", unexpected), ("different tables", changed)) if names]
    return "; ".join(parts)
