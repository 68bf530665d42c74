"""Jobs the bot service runs on a timer (retention, escalation) as cleanup contexts: first at
start, then every interval, stopped before the database engine is disposed under them.

A run that fails (database or Redis down, a bug) is logged by kind and the job runs again at the
next interval: one failure never ends a job for good.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import AsyncIterator, Awaitable, Callable

from aiohttp import web
from redis.exceptions import RedisError
from sqlalchemy.exc import SQLAlchemyError

log = logging.getLogger(__name__)
Job = Callable[[web.Application], Awaitable[object]]


def every(seconds: float, job: Job, name: str) -> Callable[[web.Application], AsyncIterator[None]]:
    async def context(app: web.Application) -> AsyncIterator[None]:
        async def loop() -> None:
            while True:
                try:
                    await job(app)
                except (SQLAlchemyError, RedisError, OSError) as error:
                    # A store that is down: it is back next time, we hope.
                    log.error("%s_failed error=%s", name, type(error).__name__)
                except Exception:
                    # A bug: logged with its traceback (code, not data), and the job goes on.
                    log.exception("%s_failed", name)
                await asyncio.sleep(seconds)

        task = asyncio.create_task(loop())
        yield
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    return context
