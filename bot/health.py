"""Liveness and readiness: /healthz (process up), /readyz (database and Rasa reachable)."""
from __future__ import annotations

from aiohttp import web
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from bot.appkeys import ENGINE
from bot.gateway.keys import GATEWAY

routes = web.RouteTableDef()


@routes.get("/healthz")
async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


@routes.get("/readyz")
async def readyz(request: web.Request) -> web.Response:
    checks = {"database": False, "rasa": False}
    try:
        async with request.app[ENGINE].connect() as connection:
            await connection.execute(text("SELECT 1"))
        checks["database"] = True
    except (SQLAlchemyError, OSError):
        pass
    checks["rasa"] = await request.app[GATEWAY].rasa_ready()
    status = 200 if all(checks.values()) else 503
    return web.json_response({"ready": status == 200, **checks}, status=status)
