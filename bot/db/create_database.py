"""Creates a PostgreSQL database when it does not exist yet (make cluster's own database on this
machine's server). Production databases are made by the operator or the compose file's postgres
service; this never drops or changes one. Run: python -m bot.db.create_database URL"""
from __future__ import annotations

import sys

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


def create_database(database_url: str) -> bool:
    """True when it was made now."""
    url = make_url(database_url).set(drivername="postgresql+psycopg")
    name = url.database
    if not name:
        raise SystemExit("the database URL names no database")
    # CREATE DATABASE cannot run in a transaction; the server's own `postgres` database is there
    # to connect to.
    engine = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT", hide_parameters=True)
    try:
        with engine.connect() as connection:
            if connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}):
                return False
            quoted = connection.dialect.identifier_preparer.quote(name)
            connection.execute(text(f"CREATE DATABASE {quoted}"))
            return True
    finally:
        engine.dispose()


if __name__ == "__main__":
    if create_database(sys.argv[1]):
        print(f"==> made the PostgreSQL database {make_url(sys.argv[1]).database}")
