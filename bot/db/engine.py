"""The database engine and session factory of the bot service (SQLite by default, PostgreSQL too).
Never lets a query's parameters into an error's text (errors get logged; parameters are user data);
never makes tables (the schema is bot.db.schema's migrations)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine


# SQLite lets one writer in at a time; the others wait this long (the default is 5 s). `bot content
# import` next to a running service, or a loaded machine, needs more.
SQLITE_BUSY_SECONDS = 30


def make_engine(database_url: str, *, pool_size: int = 5, max_overflow: int = 10) -> AsyncEngine:
    """`pool_size` and `max_overflow`: PostgreSQL only (DATABASE_POOL_SIZE, DATABASE_MAX_OVERFLOW)."""
    # hide_parameters: a database error's text otherwise carries the query's values (an e-mail
    # address at login, a conversation id), and unhandled errors are logged with that text.
    # pool_pre_ping: a connection PostgreSQL dropped (a restart) is replaced, not handed out.
    if not database_url.startswith("sqlite"):
        return create_async_engine(database_url, pool_pre_ping=True, hide_parameters=True,
                                   pool_size=pool_size, max_overflow=max_overflow)
    path = database_url.split("///", 1)[-1]
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    # No pre-ping: a file does not drop connections, and the ping is one more trip to the
    # database's thread for every session a message opens.
    engine = create_async_engine(database_url, hide_parameters=True,
                                 connect_args={"timeout": SQLITE_BUSY_SECONDS})
    event.listen(engine.sync_engine, "connect", _write_ahead_log)
    return engine


def _write_ahead_log(connection: Any, record: Any) -> None:
    """SQLite's write-ahead log: a commit is one write and one flush to disk instead of three
    (rollback journal, database, journal deleted), and readers never wait for the writer. Every
    message writes (the conversation's activity), and so does Rasa's tracker store in the same
    file; the setting is kept in the file, so Rasa's connections use it too. Commits stay
    durable (synchronous stays FULL)."""
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def session_factory(engine: AsyncEngine) -> async_sessionmaker:
    return async_sessionmaker(engine, expire_on_commit=False)
