"""The bot service started in-process on a spare loopback port, for the benchmarks."""
from __future__ import annotations

import secrets

from aiohttp import web

from bot.app import create_app
from bot.db.schema import upgrade_database
from bot.settings import Settings


# A token per internal boundary (bot/settings.py), fresh for every run.
BOUNDARY_TOKENS = {name: secrets.token_urlsafe(32)
                   for name in ("gateway_token", "nlg_token", "action_token", "internal_token")}


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


async def start(settings: Settings) -> tuple[web.AppRunner, str]:
    """(the runner to clean up, the base URL); the database is brought to the newest schema first."""
    await upgrade_database(settings.database_url)
    runner = web.AppRunner(create_app(settings), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    return runner, f"http://127.0.0.1:{port}"
