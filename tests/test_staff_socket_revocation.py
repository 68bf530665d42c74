"""The staff socket ends with its session: after a logout, an admin's revocation, a disabled
account, a reset, or the idle timeout, the open socket closes (code 4401) and streams no more chat
text; across replicas too (Redis). Automatic refreshes of the queue do not keep a session alive.
"""
from __future__ import annotations

import asyncio
import contextlib
import re
from datetime import timedelta

import aiohttp
import pytest
from sqlalchemy import select, update

from bot.app import create_app
from bot.appkeys import SESSIONS
from bot.db.models import StaffSession, StaffUser, utcnow
from bot.settings import Settings
from bot.staff import socket as staff_socket
from support.staff import LogIn, Staff, add_user, handover_id, make_handover, user_says

SESSION_ENDED = 4401
SECRET = "bericht NA uitloggen: mijn adres is geheim"


@pytest.fixture
async def client(aiohttp_client, settings, static_data):
    return await aiohttp_client(create_app(settings, static=static_data))


async def live_chat(client, log_in: LogIn, settings, sender: str, email: str) -> tuple[Staff, int]:
    """A worker who claimed a live chat with `sender`, and the handover's id."""
    made = await make_handover(client, settings, sender)
    worker = await log_in(client, await add_user(client, email, "worker", ["apeldoorn"], "Anna"))
    number = await handover_id(worker, made["reference"])
    assert (await worker.post(f"/api/v1/staff/handovers/{number}/claim")).status == 200
    return worker, number


async def watch(worker: Staff, number: int) -> aiohttp.ClientWebSocketResponse:
    """The handover page's socket, shown to work: it streams the user's next message."""
    socket = await worker.session.ws_connect(worker.url(f"/staff/ws?handover={number}"))
    return socket


async def texts_until_closed(socket: aiohttp.ClientWebSocketResponse, seconds: float = 5) -> list[str]:
    """The chat texts the socket streamed until the server closed it, or `seconds` passed."""
    texts = []
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(seconds):
            async for frame in socket:
                if frame.type == aiohttp.WSMsgType.TEXT:
                    event = frame.json()
                    if event.get("kind") == "message":
                        texts.append(event["message"]["text"])
    return texts


async def next_text(socket: aiohttp.ClientWebSocketResponse, wanted: str) -> None:
    async with asyncio.timeout(5):
        while True:
            event = await socket.receive_json()
            if event.get("kind") == "message" and event["message"]["text"] == wanted:
                return


async def streams(client, socket, sender: str) -> None:
    """Before anything ends it: the user's message reaches the open socket."""
    await user_says(client, sender, "hoi, ben jij een mens?")
    await next_text(socket, "hoi, ben jij een mens?")


async def assert_ended_without_the_text(client, socket, sender: str) -> None:
    await user_says(client, sender, SECRET)
    assert SECRET not in await texts_until_closed(socket)
    assert socket.closed and socket.close_code == SESSION_ENDED


async def test_logout_closes_the_open_socket_before_the_next_message(client, settings, log_in):
    worker, number = await live_chat(client, log_in, settings, "ws-user-1", "ws1@rebelz.nl")
    socket = await watch(worker, number)
    await streams(client, socket, "ws-user-1")
    assert (await worker.post("/api/v1/staff/logout")).status == 200
    await assert_ended_without_the_text(client, socket, "ws-user-1")


async def test_an_admins_revocation_closes_the_open_socket(client, settings, log_in):
    worker, number = await live_chat(client, log_in, settings, "ws-user-2", "ws2@rebelz.nl")
    admin = await log_in(client, await add_user(client, "ws-admin@x.nl", "admin"))
    socket = await watch(worker, number)
    await streams(client, socket, "ws-user-2")
    sessions = await (await admin.get("/api/v1/staff/sessions")).json()
    target = next(s["id"] for s in sessions if s["email"] == "ws2@rebelz.nl")
    assert (await admin.post(f"/api/v1/staff/sessions/{target}/revoke")).status == 200
    await assert_ended_without_the_text(client, socket, "ws-user-2")


async def account_id(client, email: str) -> int:
    async with client.server.app[SESSIONS]() as session:
        return await session.scalar(select(StaffUser.id).where(StaffUser.email == email))


@pytest.mark.parametrize("action", ["disable", "reset-password", "reset-totp"])
async def test_disabling_or_resetting_the_account_closes_its_socket(client, settings, action, log_in):
    worker, number = await live_chat(client, log_in, settings, f"ws-user-{action}", f"ws-{action}@rebelz.nl")
    admin = await log_in(client, await add_user(client, f"ws-admin-{action}@x.nl", "admin"))
    socket = await watch(worker, number)
    await streams(client, socket, f"ws-user-{action}")
    target = await account_id(client, f"ws-{action}@rebelz.nl")
    done = await admin.form(f"/staff/admin/users/{target}/{action}", {})
    assert done.status == 200, await done.text()
    await assert_ended_without_the_text(client, socket, f"ws-user-{action}")
    assert (await worker.get("/api/v1/staff/handovers")).status == 401


async def idle_for(client, email: str, minutes: float) -> None:
    """As if the staff member had done nothing for `minutes`."""
    async with client.server.app[SESSIONS]() as session, session.begin():
        user_id = await session.scalar(select(StaffUser.id).where(StaffUser.email == email))
        await session.execute(update(StaffSession).where(StaffSession.user_id == user_id)
                              .values(last_seen=utcnow() - timedelta(minutes=minutes)))


async def started_ago(client, email: str, hours: float) -> None:
    """As if the session had begun `hours` ago (and been busy until now)."""
    async with client.server.app[SESSIONS]() as session, session.begin():
        user_id = await session.scalar(select(StaffUser.id).where(StaffUser.email == email))
        await session.execute(update(StaffSession).where(StaffSession.user_id == user_id)
                              .values(created_at=utcnow() - timedelta(hours=hours)))


@pytest.mark.parametrize("timeout", ["idle", "absolute"])
async def test_the_idle_and_absolute_timeouts_close_the_open_socket(client, settings, timeout, log_in):
    email = f"ws3-{timeout}@rebelz.nl"
    worker, number = await live_chat(client, log_in, settings, f"ws-user-3-{timeout}", email)
    socket = await watch(worker, number)
    await streams(client, socket, f"ws-user-3-{timeout}")
    if timeout == "idle":
        await idle_for(client, email, settings.staff_idle_minutes + 1)
    else:
        await started_ago(client, email, settings.staff_session_hours + 1)
    await assert_ended_without_the_text(client, socket, f"ws-user-3-{timeout}")


async def test_a_quiet_socket_closes_on_its_own_when_the_session_times_out(client, settings, monkeypatch, log_in):
    monkeypatch.setattr(staff_socket, "RECHECK_SECONDS", 0.3, raising=False)
    worker = await log_in(client, await add_user(client, "ws4@rebelz.nl", "worker", ["apeldoorn"]))
    socket = await worker.session.ws_connect(worker.url("/staff/ws"))
    await idle_for(client, "ws4@rebelz.nl", settings.staff_idle_minutes + 1)
    assert await texts_until_closed(socket, seconds=3) == []
    assert socket.close_code == SESSION_ENDED


async def test_an_open_socket_does_not_keep_the_session_alive(client, settings, monkeypatch, log_in):
    monkeypatch.setattr(staff_socket, "RECHECK_SECONDS", 0.2, raising=False)
    worker = await log_in(client, await add_user(client, "ws5@rebelz.nl", "worker", ["apeldoorn"]))
    socket = await worker.session.ws_connect(worker.url("/staff/ws"))
    await idle_for(client, "ws5@rebelz.nl", 10)
    await asyncio.sleep(1)  # several re-checks of the session
    async with client.server.app[SESSIONS]() as session:
        last_seen = await session.scalar(select(StaffSession.last_seen))
    assert utcnow() - last_seen.replace(tzinfo=utcnow().tzinfo) > timedelta(minutes=9)
    await socket.close()


@pytest.mark.xdist_group("redis")  # Redis is one server for every worker
async def test_logout_on_one_replica_closes_the_socket_on_another_at_once(aiohttp_client, settings, log_in, static_data):
    shared = Settings(**{**settings.model_dump(), "redis_url": "redis://127.0.0.1:6379/0"})
    first = await aiohttp_client(create_app(shared, static=static_data))
    second = await aiohttp_client(create_app(shared, static=static_data))
    account = await add_user(first, "ws6@rebelz.nl", "worker", ["apeldoorn"])
    on_first = await log_in(first, account)
    # The same browser session, its socket held by the other replica.
    on_second = aiohttp.ClientSession(cookie_jar=on_first.session.cookie_jar)
    try:
        socket = await on_second.ws_connect(str(second.make_url("/staff/ws")))
        assert (await on_first.post("/api/v1/staff/logout")).status == 200
        # Well before the periodic re-check (30 s): the revocation travels through Redis.
        assert await texts_until_closed(socket, seconds=3) == []
        assert socket.close_code == SESSION_ENDED
    finally:
        await on_second.close()


async def last_seen_of(client, email: str):
    async with client.server.app[SESSIONS]() as session:
        user_id = await session.scalar(select(StaffUser.id).where(StaffUser.email == email))
        return await session.scalar(select(StaffSession.last_seen).where(StaffSession.user_id == user_id))


async def test_automatic_refreshes_of_the_queue_do_not_count_as_activity(client, settings, log_in):
    worker = await log_in(client, await add_user(client, "ws7@rebelz.nl", "worker", ["apeldoorn"]))
    await idle_for(client, "ws7@rebelz.nl", 20)
    before = await last_seen_of(client, "ws7@rebelz.nl")
    # What inbox.js does on a handover event: fetch the list (a header), or reload (a query flag).
    fetched = await worker.session.get(worker.url("/staff/"), headers={"X-Automatic-Refresh": "1"})
    reloaded = await worker.get("/staff/?auto=1")
    assert fetched.status == reloaded.status == 200 and fetched.url.path == "/staff/"
    assert await last_seen_of(client, "ws7@rebelz.nl") == before
    # The worker's own click does count.
    assert (await worker.get("/staff/")).status == 200
    assert await last_seen_of(client, "ws7@rebelz.nl") > before


async def test_an_automatic_refresh_after_the_idle_timeout_lands_on_the_login_page(client, settings, log_in):
    worker = await log_in(client, await add_user(client, "ws8@rebelz.nl", "worker", ["apeldoorn"]))
    await idle_for(client, "ws8@rebelz.nl", settings.staff_idle_minutes + 1)
    refreshed = await worker.session.get(worker.url("/staff/"), headers={"X-Automatic-Refresh": "1"})
    assert refreshed.url.path == "/staff/login"


@pytest.mark.parametrize("raw", ["99999999999999999999999", "1e3", "-1", "abc", ""])
async def test_a_huge_or_malformed_handover_id_on_the_socket_is_not_found(client, settings, raw, log_in):
    worker = await log_in(client, await add_user(client, "ws9@rebelz.nl", "worker", ["apeldoorn"]))
    response = await worker.get(f"/staff/ws?handover={raw}")
    assert response.status == 404


def test_inbox_js_marks_its_automatic_refreshes():
    """The browser side of the flag the server reads (the browser tests run the page itself)."""
    script = (staff_socket.__file__.rsplit("/", 1)[0] + "/static/inbox.js")
    source = open(script, encoding="utf-8").read()
    assert re.search(r'"X-Automatic-Refresh":\s*"1"', source)
    assert "location.reload()" not in source  # every reload goes through the flagged one
