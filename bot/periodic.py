"""Jobs the bot service runs on a timer (retention, escalation) as cleanup contexts: first at
start, then every interval, stopped before the database engine is disposed under them.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import AsyncIterator, Awaitable, Callable

from aiohttp import web
from sqlalchemy.exc import SQLAlchemyError

log = logging.getLogger(__name__)
Job = Callable[[web.Application], Awaitable[object]]


def every(seconds: float, job: Job, name: str) -> Callable[[web.Application], AsyncIterator[None]]:
    async def context(app: web.Application) -> AsyncIterator[None]:
        async def loop() -> None:
            while True:
                try:
                    await job(app)
                except SQLAlchemyError:
                    log.error("%s_failed", name)  # the database is back next time, we hope
                await asyncio.sleep(seconds)

        task = asyncio.create_task(loop())
        yield
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    return context
