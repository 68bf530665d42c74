"""What a database holds, read directly (not through the service), for tests that look for traces."""
from __future__ import annotations

from sqlalchemy import create_engine, inspect, text

# The local PostgreSQL (trust auth) the PostgreSQL tests make their databases in.
POSTGRES_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"


def database_dump(database_url: str) -> str:
    """Every row of every table, one line each."""
    engine = create_engine(database_url.replace("+aiosqlite", ""))
    try:
        with engine.connect() as connection:
            tables = inspect(connection).get_table_names()
            # tuple(): SQLAlchemy shortens long values in a Row's repr.
            return "\n".join(repr(tuple(row)) for table in tables
                             for row in connection.execute(text(f'SELECT * FROM "{table}"')))
    finally:
        engine.dispose()
