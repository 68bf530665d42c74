"""Hardening that holds on every response and every input, in-process (Rasa down): security
headers also on redirects, refusals and errors; huge ids and deeply nested JSON answered with a
clean 4xx and no traceback in the log; handover numbers never given out twice.
"""
from __future__ import annotations

import logging
import os
import stat
import subprocess
import sys

import pytest
from aiohttp import web

from bot.app import create_app
from bot.gateway import session_tokens
from bot.settings import Settings
from support.paths import ROOT
from support.ports import free_port
from support.stack import wait_ready
from support.tokens import bearer
from support.staff import add_user, handover_id, make_handover

HUGE = "99999999999999999999999"
# Deeper than Python's recursion limit: json.loads gives up with RecursionError, not ValueError.
NESTED = "[" * 1000 + "]" * 1000


@pytest.fixture
async def client(aiohttp_client, settings, static_data):
    app = create_app(settings, static=static_data)

    async def broken(request: web.Request) -> web.Response:
        raise RuntimeError("a bug")

    app.router.add_get("/test-only/broken", broken)
    return await aiohttp_client(app)


def assert_hardened(response, secure: bool = False) -> None:
    headers = response.headers
    where = f"{response.method} {response.url.path} {response.status}"
    assert headers.get("X-Content-Type-Options") == "nosniff", where
    assert headers.get("Cache-Control") == "no-store", where
    assert headers.get("Referrer-Policy") == "no-referrer", where
    assert "frame-ancestors" in headers.get("Content-Security-Policy", ""), where
    assert headers.get("Permissions-Policy") == "camera=(), microphone=(), geolocation=(), payment=()", where
    assert headers.get("Cross-Origin-Opener-Policy") == "same-origin", where
    server = headers.get("Server", "")
    assert not any(c.isdigit() for c in server) and "Python" not in server, where
    if secure:
        assert headers.get("Strict-Transport-Security") == "max-age=31536000; includeSubDomains", where
    else:
        assert "Strict-Transport-Security" not in headers, where


async def test_every_kind_of_response_carries_the_security_headers(client, log_in):
    worker = await log_in(client, await add_user(client, "w@x.nl", "worker", ["apeldoorn"]))
    responses = [
        await client.get("/healthz"),  # 200
        await client.get("/"),  # a page with its own CSP
        await client.get("/staff/", allow_redirects=False),  # 303 to the login page
        await client.get("/api/v1/staff/handovers"),  # 401
        await worker.get("/staff/editor"),  # 403 (a staff error page)
        await worker.get("/api/v1/staff/handovers/999"),  # 404 from a route
        await client.get("/no/such/page"),  # 404 from the router
        await client.post("/healthz"),  # 405
        await client.get("/test-only/broken"),  # 500
    ]
    assert [r.status for r in responses] == [200, 200, 303, 401, 403, 404, 404, 405, 500]
    for response in responses:
        assert_hardened(response)


async def test_with_an_https_public_url_every_response_asks_for_https_only(aiohttp_client, settings, static_data):
    secure = Settings(**{**settings.model_dump(), "public_url": "https://chat.example.invalid"})
    client = await aiohttp_client(create_app(secure, static=static_data))
    for response in (await client.get("/healthz"), await client.get("/staff/", allow_redirects=False),
                     await client.get("/api/v1/staff/handovers")):
        assert_hardened(response, secure=True)


async def test_the_widget_socket_still_opens_and_talks(client):
    async with client.ws_connect("/ws/chat") as socket:
        first = await socket.receive_json(timeout=10)
        assert first["type"] == "session"


async def test_a_huge_handover_number_is_not_found_without_a_traceback(client, caplog, log_in):
    worker = await log_in(client, await add_user(client, "w@x.nl", "worker", ["apeldoorn"]))
    caplog.set_level(logging.INFO)
    for path in (f"/api/v1/staff/handovers/{HUGE}", f"/staff/handovers/{HUGE}"):
        response = await worker.get(path)
        assert response.status == 404, path
    assert (await worker.post(f"/api/v1/staff/handovers/{HUGE}/claim")).status == 404
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_a_huge_phrasing_number_is_not_found_without_a_traceback(client, caplog, log_in):
    editor = await log_in(client, await add_user(client, "e@x.nl", "editor"))
    caplog.set_level(logging.INFO)
    response = await editor.form(f"/staff/training/phrasings/{HUGE}/delete", {})
    assert response.status == 404
    response = await editor.form(f"/staff/editor/approvals/{HUGE}", {})
    assert response.status == 404
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_deeply_nested_json_is_a_bad_request_without_a_traceback(client, settings, caplog):
    caplog.set_level(logging.INFO)
    json_headers = {"Content-Type": "application/json"}
    for path, headers in [
        ("/api/v1/chat", json_headers),
        ("/api/v1/staff/login", json_headers),
        ("/internal/v1/handovers", {**json_headers, **bearer(settings.internal_token.get_secret_value())}),
        ("/internal/v1/regions/resolve", {**json_headers, **bearer(settings.internal_token.get_secret_value())}),
        ("/nlg", {**json_headers, **bearer(settings.nlg_token.get_secret_value())}),
    ]:
        response = await client.post(path, data=NESTED, headers=headers)
        assert 400 <= response.status < 500, (path, response.status)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_deeply_nested_json_over_the_widget_socket_is_answered_not_a_crash(client, caplog):
    caplog.set_level(logging.INFO)
    async with client.ws_connect("/ws/chat") as socket:
        assert (await socket.receive_json(timeout=10))["type"] == "session"
        await socket.send_str(NESTED)
        replies = [await socket.receive_json(timeout=10) for _ in range(2)]
        assert "bot" in [r["type"] for r in replies]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_a_forgotten_handovers_number_is_never_given_to_the_next_one(client, settings, log_in):
    worker = await log_in(client, await add_user(client, "w@x.nl", "worker", ["apeldoorn"]))
    secret = settings.secret_key.get_secret_value()
    first_session = session_tokens.issue(secret)
    first = await make_handover(client, settings, first_session, channel="web", contact="phone")
    first_id = await handover_id(worker, first["reference"])
    assert (await worker.post(f"/api/v1/staff/handovers/{first_id}/claim")).status == 200
    closed = await worker.post(f"/api/v1/staff/handovers/{first_id}/close", {"outcome": "intake_planned"})
    assert closed.status == 200, await closed.text()
    # The quick exit's call: the conversation and its closed handover are deleted at once.
    assert (await client.post("/api/v1/chat/end", data=first_session)).status == 204
    assert (await worker.get(f"/api/v1/staff/handovers/{first_id}")).status == 404

    second = await make_handover(client, settings, session_tokens.issue(secret), channel="web")
    second_id = await handover_id(worker, second["reference"])
    assert second_id != first_id
    assert (await worker.get(f"/api/v1/staff/handovers/{first_id}")).status == 404


def test_the_service_keeps_var_to_its_own_user(tmp_path):
    """`bot serve` (and `bot run`, the same start) in a fresh working directory: var/ is 0700 and
    the database, the secrets and any file already there are 0600."""
    (tmp_path / "data").symlink_to(ROOT / "data")
    var = tmp_path / "var"
    var.mkdir(mode=0o755)
    var.chmod(0o755)
    (var / "old.log").write_text("from before\n")
    (var / "old.log").chmod(0o644)
    port = free_port()
    env = {"PATH": os.environ["PATH"], "PYTHONPATH": str(ROOT), "PORT": str(port)}
    # As an operator starts it: the schema first (var/bot.db), then the service.
    subprocess.run([sys.executable, "-m", "bot.cli", "db", "upgrade"], cwd=tmp_path, env=env, check=True,
                   capture_output=True)
    process = subprocess.Popen([sys.executable, "-m", "bot.cli", "serve"], cwd=tmp_path, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_ready(f"http://127.0.0.1:{port}/healthz", [process])
    finally:
        process.terminate()
        process.wait(timeout=30)
    modes = {path.name: stat.S_IMODE(path.stat().st_mode) for path in [var, *var.iterdir()]}
    assert modes["var"] == 0o700
    assert {"bot.db", "secrets.env", "old.log"} <= set(modes)
    assert {name: mode for name, mode in modes.items() if name != "var" and mode != 0o600} == {}
