"""Protection that a new route inherits: every route under /internal/ asks for the internal token
(a middleware on the sub-app), every route under /staff/ and /api/v1/staff/ asks for a staff
login, the session's CSRF token on unsafe requests and the roles it declares (a middleware on
the app). Only the login forms and the static files are open to strangers.
"""
from __future__ import annotations

import pytest
from aiohttp import web

from bot.app import MAX_REQUEST_BYTES, create_app
from bot.internal_api import PREFIX, internal_app
from bot.staff.auth import LOGIN, staff_only
from support.tokens import BOUNDARY_TOKENS, bearer
from support.staff import add_user

INTERNAL = BOUNDARY_TOKENS["internal_token"]


async def hello(request: web.Request) -> web.Response:
    return web.json_response({"hello": "staff" if LOGIN in request else "anyone"})


async def test_a_route_added_to_the_internal_api_needs_the_internal_token(aiohttp_client):
    internal = internal_app(INTERNAL, MAX_REQUEST_BYTES)
    internal.router.add_post("/v1/something-new", hello)
    app = web.Application()
    app.add_subapp(PREFIX, internal)
    client = await aiohttp_client(app)
    assert (await client.post("/internal/v1/something-new")).status == 401
    assert (await client.post("/internal/v1/something-new", headers=bearer("another-token"))).status == 401
    assert (await client.post("/internal/v1/something-new", headers=bearer(INTERNAL))).status == 200


async def test_every_internal_route_of_the_service_refuses_a_caller_without_the_token(aiohttp_client, settings):
    app = create_app(settings)
    client = await aiohttp_client(app)
    internal = [(route.method, route.resource.canonical) for resource in app.router.resources()
                for route in resource if route.resource is not None
                and route.resource.canonical.startswith("/internal/")]
    assert len(internal) >= 3
    for method, path in internal:
        assert (await client.request(method, path)).status == 401, path


@staff_only("admin")
async def for_admins(request: web.Request) -> web.Response:
    return web.json_response({"hello": "admin"})


@pytest.fixture
async def client(aiohttp_client, settings):
    app = create_app(settings)
    # Routes a developer might add tomorrow, with no protection of their own.
    app.router.add_get("/staff/something-new", hello)
    app.router.add_post("/staff/something-new", hello)
    app.router.add_get("/api/v1/staff/something-new", hello)
    app.router.add_post("/api/v1/staff/something-new", hello)
    app.router.add_get("/api/v1/staff/for-admins", for_admins)
    return await aiohttp_client(app)


async def test_a_new_staff_page_sends_strangers_to_the_login_page(client):
    response = await client.get("/staff/something-new", allow_redirects=False)
    assert response.status == 303 and response.headers["Location"] == "/staff/login"
    assert (await client.post("/staff/something-new", allow_redirects=False)).status == 303


async def test_a_new_staff_api_route_refuses_strangers(client):
    assert (await client.get("/api/v1/staff/something-new")).status == 401
    assert (await client.post("/api/v1/staff/something-new")).status == 401


async def test_a_new_staff_route_asks_a_logged_in_worker_for_the_csrf_token_and_the_declared_role(client, log_in):
    worker = await log_in(client, await add_user(client, "w@rebelz.nl", "worker", ["apeldoorn"]))
    assert await (await worker.get("/api/v1/staff/something-new")).json() == {"hello": "staff"}
    assert (await worker.post("/api/v1/staff/something-new", csrf=False)).status == 403
    assert (await worker.post("/api/v1/staff/something-new")).status == 200
    assert (await worker.get("/api/v1/staff/for-admins")).status == 403


async def test_login_forms_and_stylesheets_stay_open_to_strangers(client):
    assert (await client.get("/staff/login")).status == 200
    assert (await client.get("/staff/static/inbox.css")).status == 200
    # The login's own rules answer (bad CSRF cookie, wrong password), not "log in first".
    assert (await client.post("/staff/login", data={"email": "x"}, allow_redirects=False)).status == 403
    wrong = await client.post("/api/v1/staff/login", json={"email": "x@y.nl", "password": "no", "totp": "1"})
    assert wrong.status == 401 and "not right" in await wrong.text()
