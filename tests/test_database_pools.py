"""Each bot replica keeps to its PostgreSQL connection budget (DATABASE_POOL_SIZE +
DATABASE_MAX_OVERFLOW), however many requests it serves at once: the sum over all replicas is
what must stay under max_connections (docs/operations.md, "Connection pools")."""
from __future__ import annotations

import asyncio
import uuid

import psycopg
import pytest
from sqlalchemy import text

from bot.db.engine import make_engine
from support.database import POSTGRES_ADMIN

pytestmark = pytest.mark.pg


@pytest.fixture
def database():
    name = f"pools_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    yield name
    with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


def connections_to(database: str) -> int:
    with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as admin:
        return admin.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s", (database,)).fetchone()[0]


async def test_forty_requests_at_once_use_no_more_connections_than_the_pool_allows(database):
    engine = make_engine(f"postgresql+psycopg://postgres@127.0.0.1:5432/{database}", pool_size=2, max_overflow=1)
    most = 0

    async def request() -> None:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT pg_sleep(0.05)"))

    async def watch(done: asyncio.Event) -> None:
        nonlocal most
        while not done.is_set():
            most = max(most, await asyncio.to_thread(connections_to, database))
            await asyncio.sleep(0.02)

    done = asyncio.Event()
    watcher = asyncio.create_task(watch(done))
    try:
        await asyncio.gather(*(request() for _ in range(40)))
    finally:
        done.set()
        await watcher
        await engine.dispose()
    assert 2 <= most <= 3
