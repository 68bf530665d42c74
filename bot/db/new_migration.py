"""For developers: writes the next migration into bot/db/migrations/versions/ from the difference
between the models (bot/db/models.py) and the newest migration, found on a scratch SQLite database.

    .venv/bin/python -m bot.db.new_migration "what changes"

Autogenerate misses renames and data moves, and knows only SQLite here: read what it wrote, fix it,
and run tests/test_migrations.py (it compares the migrated schema with the models on PostgreSQL too).
"""
from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import Connection

from bot.db.engine import make_engine
from bot.db.schema import alembic_config


def _next_id() -> str:
    revisions = list(ScriptDirectory.from_config(alembic_config()).walk_revisions())
    return f"{len(revisions) + 1:04d}"


def _write(connection: Connection, message: str) -> None:
    config = alembic_config(connection)
    command.upgrade(config, "head")
    command.revision(config, message, autogenerate=True, rev_id=_next_id())


async def main(message: str) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        engine = make_engine(f"sqlite+aiosqlite:///{Path(scratch) / 'scratch.db'}")
        try:
            async with engine.begin() as connection:
                await connection.run_sync(_write, message)
        finally:
            await engine.dispose()


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit('usage: python -m bot.db.new_migration "what changes"')
    asyncio.run(main(sys.argv[1]))
