"""The fixtures every bot-service test may ask for: the static inputs (read once per session),
settings and apps for in-process tests, staff log-ins, a fake Telegram Bot API, and the whole
stack as real processes (on SQLite and on PostgreSQL). Helpers live in tests/support/.
"""
from __future__ import annotations

import asyncio
import secrets
import shutil
from pathlib import Path
from typing import AsyncIterator, Callable, Iterator

import pytest
from aiohttp.test_utils import TestServer
from cryptography.fernet import Fernet
from hypothesis import settings as hypothesis_settings

from bot.db.schema import upgrade_database
from bot.settings import Settings
from bot.static_data import StaticData
from support.database import POSTGRES_ADMIN
from support.fake_telegram_api import FakeTelegramApi
from support.ports import free_port
from support.stack import Stack, running_stack
from support.staff import LogIn, StaffLogins
from support.tokens import BOUNDARY_TOKENS

# Generated examples: each test says how many a whole run takes; `make test-fast` takes a tenth
# (--hypothesis-profile=fast).
hypothesis_settings.register_profile("fast", max_examples=10)

# A test that asks for the real stack runs its processes (Rasa takes about a minute to start).
STACK_MARKS = {"stack": ("stack",), "pg_stack": ("stack", "pg")}
BROWSER_TESTS = Path(__file__).resolve().parent / "browser"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Marks what needs the real stack or Chromium, so `make test-fast` can leave it out and a new
    test is marked without anyone remembering to."""
    for item in items:
        for fixture, marks in STACK_MARKS.items():
            if fixture in getattr(item, "fixturenames", ()):
                for mark in marks:
                    item.add_marker(mark)
        if BROWSER_TESTS in item.path.parents:
            item.add_marker("browser")


@pytest.fixture(scope="session")
def static_data() -> StaticData:
    """The files every app reads, read once for the whole run (the redactor alone takes seconds)."""
    return StaticData.read(_settings(Path("unused")))


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty SQLite database at the newest schema, migrated once per run (and worker): tests
    copy it, as hundreds of them start an app on a database of their own."""
    path = tmp_path_factory.mktemp("migrated") / "bot.db"
    asyncio.run(upgrade_database(f"sqlite+aiosqlite:///{path}"))
    return path


@pytest.fixture
def new_database(tmp_path: Path, migrated_sqlite: Path) -> Callable[[str], str]:
    """`new_database("cli.db")`: the URL of a fresh database at the newest schema in tmp_path."""
    def make(name: str) -> str:
        shutil.copyfile(migrated_sqlite, tmp_path / name)
        return f"sqlite+aiosqlite:///{tmp_path / name}"
    return make


def _settings(tmp_path: Path) -> Settings:
    return Settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path}/bot.db",
        rasa_url=f"http://127.0.0.1:{free_port()}",
        rasa_token="test-rasa-token-of-at-least-32-characters", secret_key="test-secret-key-of-at-least-32-characters",
        encryption_key=Fernet.generate_key().decode(), rasa_timeout_seconds=3, password_hash_cost="test",
        **BOUNDARY_TOKENS,
    )


@pytest.fixture
def settings(tmp_path: Path, new_database: Callable[[str], str]) -> Settings:
    """Settings for an app whose Rasa is down (nothing listens on the port), on a fresh database."""
    new_database("bot.db")
    return _settings(tmp_path)


@pytest.fixture
async def log_in() -> AsyncIterator[LogIn]:
    """`await log_in(client, account)`: a staff member logged in through the JSON API, with their
    own cookie jar, closed after the test."""
    async with StaffLogins() as logins:
        yield logins.log_in


@pytest.fixture
async def fake_api():
    """A fake Telegram Bot API on a spare port: (the recorder, its server)."""
    api = FakeTelegramApi()
    server = TestServer(api.app, host="127.0.0.1")
    await server.start_server()
    yield api, server
    await server.close()


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    workdir = tmp_path_factory.mktemp("stack")
    with running_stack(workdir, f"sqlite+aiosqlite:///{workdir}/bot.db") as running:
        yield running




@pytest.fixture(scope="session")
def pg_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The same stack on PostgreSQL (127.0.0.1:5432, trust auth), in a database of its own."""
    import psycopg

    name = f"exit_support_test_{secrets.token_hex(4)}"
    with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    try:
        with running_stack(tmp_path_factory.mktemp("pg_stack"),
                           f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}") as running:
            yield running
    finally:
        with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
