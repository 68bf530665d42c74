"""Retention beyond conversations: the notes of a handover form the user never finished (an
encrypted phone number) and ended staff sessions are deleted by `bot purge` and by the service's
own purge at start, while recent notes and live sessions stay."""
from __future__ import annotations

import asyncio
import os
import sys
from datetime import timedelta
from pathlib import Path

from cryptography.fernet import Fernet
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import async_sessionmaker

from bot.app import create_app
from bot.appkeys import SESSIONS
from bot.db.engine import make_engine, session_factory
from bot.db.models import HandoverIntake, StaffSession, utcnow
from bot.handover.intake import IntakeNotes
from bot.settings import Settings
from bot.staff.accounts import Accounts
from bot.staff.sessions import StaffSessions

ROOT = Path(__file__).resolve().parent.parent
OLD, RECENT = "a" * 64, "b" * 64


async def bot_purge(settings: Settings) -> str:
    """`bot purge` on the test's database and keys; its output."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "DATABASE_URL": settings.database_url,
           "RETENTION_DAYS": str(settings.retention_days),
           **{name.upper(): value.get_secret_value() for name, value in settings.model_dump().items()
              if hasattr(value, "get_secret_value")}}
    if os.environ.get("PYTHONPATH"):
        env["PYTHONPATH"] = os.environ["PYTHONPATH"]
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "purge", cwd=ROOT, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await process.communicate()
    assert process.returncode == 0, err.decode()
    return out.decode()


async def old_and_recent(settings: Settings) -> str:
    """Two unfinished forms that asked for a phone number, one last touched past the retention; and
    four sessions of one account: live, revoked, idle too long, older than a working day.
    Returns the live session's id."""
    engine = make_engine(settings.database_url)
    sessions: async_sessionmaker = session_factory(engine)
    fernet = Fernet(settings.encryption_key.get_secret_value().encode())
    notes = IntakeNotes(sessions, fernet)
    await notes.keep_phone(OLD, "0612345678")
    await notes.keep_phone(RECENT, "0687654321")
    staff_sessions = StaffSessions(sessions, timedelta(minutes=settings.staff_idle_minutes),
                                   timedelta(hours=settings.staff_session_hours))
    accounts = Accounts(sessions, fernet)
    await accounts.add("w@rebelz.nl", "worker", ["apeldoorn"], "W")
    user_id = await accounts.id_of("w@rebelz.nl")
    ids = {}
    for kind in ("live", "revoked", "idle", "old"):
        login = await staff_sessions.load((await staff_sessions.start(user_id))[0])
        ids[kind] = login.session_id
    await staff_sessions.revoke(ids["revoked"])
    now = utcnow()
    async with sessions() as session, session.begin():
        await session.execute(update(HandoverIntake).where(HandoverIntake.conversation_id == OLD).values(
            updated_at=now - timedelta(days=settings.retention_days + 1)))
        await session.execute(update(StaffSession).where(StaffSession.id == ids["idle"]).values(
            last_seen=now - timedelta(minutes=settings.staff_idle_minutes + 1)))
        await session.execute(update(StaffSession).where(StaffSession.id == ids["old"]).values(
            created_at=now - timedelta(hours=settings.staff_session_hours + 1)))
    await engine.dispose()
    return ids["live"]


async def kept(sessions: async_sessionmaker) -> tuple[list[str], set[str]]:
    """(conversations with notes, staff session ids) still in the database."""
    async with sessions() as session:
        return (sorted((await session.scalars(select(HandoverIntake.conversation_id))).all()),
                set((await session.scalars(select(StaffSession.id))).all()))


async def test_bot_purge_deletes_unfinished_forms_past_the_retention_and_ended_staff_sessions(settings):
    live = await old_and_recent(settings)
    output = await bot_purge(settings)
    engine = make_engine(settings.database_url)
    try:
        assert await kept(session_factory(engine)) == ([RECENT], {live})
    finally:
        await engine.dispose()
    assert "1 unfinished handover forms" in output and "3 ended staff sessions" in output


async def test_the_service_purges_them_when_it_starts(aiohttp_client, settings):
    live = await old_and_recent(settings)
    client = await aiohttp_client(create_app(settings))
    for _ in range(100):  # the purge runs in the background right after the start
        if await kept(client.server.app[SESSIONS]) == ([RECENT], {live}):
            break
        await asyncio.sleep(0.05)
    assert await kept(client.server.app[SESSIONS]) == ([RECENT], {live})
