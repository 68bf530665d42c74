"""The web widget channel: the demo page, the widget (served in an iframe from our own origin),
the one-line embed script, the websocket to the gateway, and the quick exit's end call.

The server makes each conversation's token (bot.gateway.session_tokens); the widget keeps it in
memory and in its own origin's sessionStorage, gone when the tab closes, so a dropped socket, a
reload or a partner-site navigation resumes the conversation (docs/privacy.md says why). Besides
the replies, the socket tells the widget its status (waiting for a worker, live, none). Opening
sockets, sockets open at once and messages are limited per client address
(bot.gateway.client_limits). Never logs messages, tokens or addresses.
"""
from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jinja2
from aiohttp import WSMsgType, web

from bot.appkeys import SETTINGS
from bot.gateway.keys import CLIENT_LIMITS, GATEWAY
from bot.gateway import session_tokens
from bot.gateway.gateway import FORGET_COMMAND
from bot.json_body import parse_json

routes = web.RouteTableDef()
log = logging.getLogger(__name__)
STATIC = Path(__file__).parent / "widget"
# The two pages, read and compiled once; every value put into them is escaped.
PAGES = jinja2.Environment(loader=jinja2.FileSystemLoader(STATIC), autoescape=True, auto_reload=False,
                           undefined=jinja2.StrictUndefined)
CHANNEL = "web"
# A chat message is at most 2,000 characters; the frame around it is small.
MAX_FRAME_BYTES = 16 * 1024
TOO_MANY_SOCKETS = ("Te veel chats tegelijk vanaf dit adres. Probeer het over een paar minuten opnieuw.\n"
                    "Too many chats at once from this address. Please try again in a few minutes.")


def _csp(frame_ancestors: str, extra: str = "") -> str:
    return ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
            f"connect-src 'self'; base-uri 'none'; form-action 'none'; {extra}"
            f"frame-ancestors {frame_ancestors}")


def _page(name: str, csp: str, **values: str) -> web.Response:
    response = web.Response(text=PAGES.get_template(name).render(values), content_type="text/html")
    response.headers["Content-Security-Policy"] = csp
    return response


@routes.get("/")
async def demo_page(request: web.Request) -> web.Response:
    """What a partner site looks like with the widget embedded."""
    origin = f"{request.scheme}://{request.host}"
    return _page("demo.html", _csp("'none'", extra="frame-src 'self'; "), origin=origin)


@routes.get("/widget")
async def widget_page(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    language = "en" if request.query.get("lang") == "en" else "nl"
    # The widget lives in partners' iframes; frame-ancestors says which partners may embed it.
    # The same list says whose quick-exit requests the widget carries out (widget.js).
    return _page("widget.html", _csp(settings.widget_allowed_origins),
                 lang=language, quick_exit_url=settings.quick_exit_url, embedders=settings.widget_allowed_origins)


@routes.get("/widget/embed.js")
async def embed_script(request: web.Request) -> web.FileResponse:
    response = web.FileResponse(STATIC / "embed.js")
    # Partner pages load this script cross-origin.
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response


@routes.get("/widget/static/{name:[a-z]+\\.(js|css)}")
async def static_file(request: web.Request) -> web.FileResponse:
    return web.FileResponse(STATIC / request.match_info["name"])


def _same_origin(request: web.Request) -> bool:
    origin = request.headers.get("Origin")
    return origin is None or urlsplit(origin).netloc == request.host


@routes.get("/ws/chat")
async def chat_socket(request: web.Request) -> web.WebSocketResponse:
    """`?session=` resumes a conversation this server issued, `last=` is the newest message id the
    widget shows, `fresh=1` says its screen is empty (a reload)."""
    if not _same_origin(request):
        raise web.HTTPForbidden(text="the chat only talks to its own widget")
    limits = request.app[CLIENT_LIMITS]
    client = limits.key_of(request.remote)
    if not limits.open_socket(client):
        log.info("client_limited channel=web kind=open_sockets")
        raise web.HTTPTooManyRequests(text=TOO_MANY_SOCKETS)
    try:
        if not await limits.allow_start(client):
            log.info("client_limited channel=web kind=start")
            raise web.HTTPTooManyRequests(text=TOO_MANY_SOCKETS)
        return await _chat(request, client)
    finally:
        limits.close_socket(client)


async def _chat(request: web.Request, client: str | None) -> web.WebSocketResponse:
    socket = web.WebSocketResponse(heartbeat=30, max_msg_size=MAX_FRAME_BYTES)
    await socket.prepare(request)
    secret = request.app[SETTINGS].secret_key.get_secret_value()
    gateway = request.app[GATEWAY]
    given = request.query.get("session", "")
    resumed = None
    if session_tokens.is_valid(secret, given):
        resumed = await gateway.resume(CHANNEL, given, _number(request.query.get("last")),
                                       screen_empty=request.query.get("fresh") == "1")
    session = given if resumed is not None else session_tokens.issue(secret)
    language = "en" if request.query.get("lang") == "en" else None
    shown_status = {"state": "none", "text": ""}  # the widget starts without a status bar

    async def send_status() -> None:
        status = await gateway.status(CHANNEL, session)
        if status != shown_status:
            shown_status.clear()
            shown_status.update(status)
            await socket.send_json({"type": "status", **status})

    async def push(messages: list[dict]) -> bool:
        """A worker's messages in a live handover, whenever they come."""
        if socket.closed:
            return False
        await socket.send_json({"type": "bot", "messages": messages})
        await send_status()
        return True

    await socket.send_json({"type": "session", "id": session, "resumed": resumed is not None})
    detach = gateway.attach(CHANNEL, session, push)
    await gateway.connected(CHANNEL, session)
    try:
        if resumed:
            await socket.send_json({"type": "bot", "messages": resumed})
        await send_status()
        async for frame in socket:
            if frame.type == WSMsgType.TEXT:
                text = _text_of(frame.data)
            elif frame.type == WSMsgType.BINARY:
                text = None  # answered like an empty message: "I can only read text"
            else:
                break
            await socket.send_json({"type": "typing"})
            messages = await gateway.handle(CHANNEL, session, text, channel_language=language, client=client)
            await socket.send_json({"type": "bot", "messages": messages})
            if text == FORGET_COMMAND:
                # The widget wipes its screen and token and starts a new conversation.
                await socket.send_json({"type": "cleared"})
                break
            await send_status()
    finally:
        detach()
        # The handler is cancelled when the user's connection drops; the worker must still learn it.
        await asyncio.shield(gateway.disconnected(CHANNEL, session))
    return socket


def _number(text: Any) -> int:
    try:
        return max(0, int(text))
    except (TypeError, ValueError):
        return 0


def _text_of(data: str) -> str | None:
    try:
        parsed = parse_json(data)
    except ValueError:
        return None
    return parsed.get("text") if isinstance(parsed, dict) else None


@routes.post("/api/v1/chat/end")
async def end_conversation(request: web.Request) -> web.Response:
    """The quick exit's sendBeacon: the widget session's conversation is deleted at once."""
    session = (await request.text()).strip()
    if session_tokens.is_valid(request.app[SETTINGS].secret_key.get_secret_value(), session):
        await request.app[GATEWAY].forget(CHANNEL, session)
    return web.Response(status=204)
