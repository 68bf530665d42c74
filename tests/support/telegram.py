"""Waiting for the Telegram channel's background work, so a test can say "nothing was sent"
without sleeping for a guessed while."""
from __future__ import annotations

import asyncio

from aiohttp import web

from channels.telegram import TELEGRAM_TASKS


async def updates_handled(app: web.Application) -> None:
    """Returns when every update the app took is handled: its answer sent, every bubble of it."""
    while app[TELEGRAM_TASKS]:
        await asyncio.gather(*list(app[TELEGRAM_TASKS]), return_exceptions=True)
