"""The staff JSON API under /api/v1/staff/: the inbox for programs and tests, with exactly the same
authentication, scope and audit as the pages (both call bot.staff.inbox).

Unsafe requests need the session's CSRF token in the X-CSRF-Token header; login returns it.
"""
from __future__ import annotations

from aiohttp import web
from pydantic import BaseModel

from bot.gateway.rate_limit import LimiterUnavailable
from bot.json_body import read_model
from bot.staff.auth import LOGIN, LoginThrottled, log_in, public, set_session_cookie, staff_only
from bot.staff.inbox_http import HANDOVER_ID, handover_id
from bot.staff.json_shapes import call_safety_json, handover_json, message_json, user_json
from bot.staff.keys import AUDIT, INBOX, STAFF_SESSIONS
from bot.staff.sessions import COOKIE

routes = web.RouteTableDef()
PREFIX = "/api/v1/staff"


class Login(BaseModel):
    email: str = ""
    password: str = ""
    totp: str = ""


class StaffMessage(BaseModel):
    # Missing, empty or too long is bot.staff.inbox's to say (the inbox pages send the same).
    text: str = ""


class Closing(BaseModel):
    # One of bot.handover.handovers.OUTCOMES; bot.staff.inbox says which when it is not.
    outcome: str = ""


@routes.post(f"{PREFIX}/login")
@public
async def login(request: web.Request) -> web.Response:
    # Only JSON: a cross-site form can send text/plain without a preflight (login CSRF).
    if request.content_type != "application/json":
        raise web.HTTPUnsupportedMediaType(text="send the login as JSON (Content-Type: application/json)")
    body = await read_model(request, Login, 'expected {"email": "...", "password": "...", "totp": "..."}')
    try:
        result = await log_in(request, body.email, body.password, body.totp)
    except LoginThrottled:
        raise web.HTTPTooManyRequests(text="too many attempts; wait a minute") from None
    except LimiterUnavailable:
        raise web.HTTPServiceUnavailable(text="logging in is not possible right now (a service it needs is "
                                              "down); try again in a few minutes") from None
    if result is None:
        raise web.HTTPUnauthorized(text="e-mail, password or code is not right")
    token, session = result
    response = web.json_response({"user": user_json(session.user), "csrf_token": session.csrf_token})
    set_session_cookie(request, response, token)
    return response


@routes.post(f"{PREFIX}/logout")
@staff_only(page=False)
async def logout(request: web.Request) -> web.Response:
    login = request[LOGIN]
    await request.app[STAFF_SESSIONS].revoke(login.session_id)
    await request.app[AUDIT].record(login.user.id, "logout")
    response = web.json_response({"ok": True})
    response.del_cookie(COOKIE, path="/")
    return response


@routes.get(f"{PREFIX}/handovers")
@staff_only(page=False)
async def handovers(request: web.Request) -> web.Response:
    include_closed = request.query.get("closed") == "1"
    found = await request.app[INBOX].queue(request[LOGIN].user, include_closed)
    return web.json_response([handover_json(h) for h in found])


@routes.get(f"{PREFIX}/handovers/{HANDOVER_ID}")
@staff_only(page=False)
async def handover(request: web.Request) -> web.Response:
    detail = await request.app[INBOX].open_detail(request[LOGIN].user, handover_id(request))
    return web.json_response({
        **handover_json(detail.handover), "region_name": detail.region_name,
        "organisation": detail.organisation, "topics": detail.topics, "scan": detail.handover.scan,
        "call_safety": call_safety_json(detail.handover),
        "claimed_by_me": detail.claimed_by_me, "messages": [message_json(m) for m in detail.messages]})


@routes.get(f"{PREFIX}/handovers/{HANDOVER_ID}/contact")
@staff_only(page=False)
async def contact(request: web.Request) -> web.Response:
    _, phone = await request.app[INBOX].contact_details(request[LOGIN].user, handover_id(request))
    return web.json_response({"phone": phone})


@routes.post(f"{PREFIX}/handovers/{HANDOVER_ID}/claim")
@staff_only(page=False)
async def claim(request: web.Request) -> web.Response:
    claimed = await request.app[INBOX].claim(request[LOGIN].user, handover_id(request))
    return web.json_response(handover_json(claimed))


@routes.post(f"{PREFIX}/handovers/{HANDOVER_ID}/messages")
@staff_only(page=False)
async def send(request: web.Request) -> web.Response:
    body = await read_model(request, StaffMessage, 'expected {"text": "..."}')
    relayed = await request.app[INBOX].send(request[LOGIN].user, handover_id(request), body.text)
    return web.json_response(message_json(relayed), status=201)


@routes.post(f"{PREFIX}/handovers/{HANDOVER_ID}/end")
@staff_only(page=False)
async def end(request: web.Request) -> web.Response:
    await request.app[INBOX].end_chat(request[LOGIN].user, handover_id(request))
    return web.json_response({"ok": True})


@routes.post(f"{PREFIX}/handovers/{HANDOVER_ID}/close")
@staff_only(page=False)
async def close(request: web.Request) -> web.Response:
    body = await read_model(request, Closing, 'expected {"outcome": "..."}')
    closed = await request.app[INBOX].close(request[LOGIN].user, handover_id(request), body.outcome)
    return web.json_response(handover_json(closed))


@routes.get(f"{PREFIX}/sessions")
@staff_only("admin", page=False)
async def sessions(request: web.Request) -> web.Response:
    active = await request.app[STAFF_SESSIONS].active()
    return web.json_response([{"id": s.id, "email": u.email, "role": u.role,
                               "last_seen": s.last_seen.isoformat()} for s, u in active])


@routes.post(f"{PREFIX}/sessions/{{session}}/revoke")
@staff_only("admin", page=False)
async def revoke(request: web.Request) -> web.Response:
    if not await request.app[STAFF_SESSIONS].revoke(request.match_info["session"]):
        raise web.HTTPNotFound(text="no such active session")
    await request.app[AUDIT].record(request[LOGIN].user.id, "session_revoked")
    return web.json_response({"ok": True})
