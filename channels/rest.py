"""The REST channel: POST /api/v1/chat/start -> {"sender"}; POST /api/v1/chat {"sender", "message"}
-> the bot's messages.

Same shape as Rasa's REST channel, through the same gateway as every other channel. The server
makes each sender (a signed token of 144 random bits, bot.gateway.session_tokens) and refuses any
other (401), so nobody can read or write another client's conversation by guessing its sender;
Rasa only ever sees its keyed hash. A worker's messages in a live handover wait until the client's
next message, or until it asks GET /api/v1/chat/pending with `Authorization: Bearer <sender>`
(GET /api/v1/chat/{sender}/pending does the same, but puts the sender in a path that proxies log).
Starting chats and sending messages are limited per client address (bot.gateway.client_limits).
Never logs senders or messages.
"""
from __future__ import annotations

import logging
from typing import Any

from aiohttp import web
from pydantic import BaseModel

from bot.appkeys import SETTINGS
from bot.gateway.keys import CLIENT_LIMITS, GATEWAY
from bot.gateway import session_tokens
from bot.json_body import read_model

routes = web.RouteTableDef()
log = logging.getLogger(__name__)
CHANNEL = "rest"
SHAPE = 'expected JSON: {"sender": "...", "message": "..."}, the sender from POST /api/v1/chat/start'
UNKNOWN_SENDER = ("unknown sender: POST /api/v1/chat/start gives you one (a new conversation); "
                  "send that sender with every message")
TOO_MANY_STARTS = "too many new conversations from your address: please try again in a few minutes"


class ChatRequest(BaseModel):
    """POST /api/v1/chat; whether the server issued the sender is checked after (401 if not)."""

    # Non-empty and issued by this server: _issued says which (400 or 401).
    sender: str
    # Anything: the gateway answers no text, or something other than text, kindly itself.
    message: Any = None


@routes.post("/api/v1/chat/start")
async def start(request: web.Request) -> web.Response:
    limits = request.app[CLIENT_LIMITS]
    if not await limits.allow_start(limits.key_of(request.remote)):
        log.info("client_limited channel=rest kind=start")
        raise web.HTTPTooManyRequests(text=TOO_MANY_STARTS)
    secret = request.app[SETTINGS].secret_key.get_secret_value()
    return web.json_response({"sender": session_tokens.issue(secret, session_tokens.REST_SENDER)})


@routes.post("/api/v1/chat")
async def chat(request: web.Request) -> web.Response:
    body = await read_model(request, ChatRequest, SHAPE)
    sender = _issued(request, body.sender)
    client = request.app[CLIENT_LIMITS].key_of(request.remote)
    messages = await request.app[GATEWAY].handle(CHANNEL, sender, body.message, client=client)
    return web.json_response(messages)


@routes.get("/api/v1/chat/pending")
async def pending(request: web.Request) -> web.Response:
    """The preferred form: the sender in the Authorization header, which access logs leave out."""
    scheme, _, sender = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not sender.strip():
        raise _unknown_sender()
    return await _pending(request, _issued(request, sender.strip()))


@routes.get("/api/v1/chat/{sender}/pending")
async def pending_by_path(request: web.Request) -> web.Response:
    return await _pending(request, _issued(request, request.match_info["sender"]))


async def _pending(request: web.Request, sender: str) -> web.Response:
    return web.json_response(await request.app[GATEWAY].pending(CHANNEL, sender))


def _issued(request: web.Request, sender: object) -> str:
    """The sender, if this server issued it; 400 for no sender at all, 401 for one it did not issue."""
    if not isinstance(sender, str) or not sender.strip():
        raise web.HTTPBadRequest(text="sender must be a non-empty string (from POST /api/v1/chat/start)")
    if not session_tokens.is_valid(request.app[SETTINGS].secret_key.get_secret_value(), sender,
                                   session_tokens.REST_SENDER):
        raise _unknown_sender()
    return sender


def _unknown_sender() -> web.HTTPUnauthorized:
    return web.HTTPUnauthorized(text=UNKNOWN_SENDER, headers={"WWW-Authenticate": 'Bearer realm="chat"'})
