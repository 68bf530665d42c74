"""Jobs on a timer: a run that fails is logged and the job runs again at the next interval."""
from __future__ import annotations

import asyncio

from aiohttp import web

from bot.periodic import every


async def test_a_job_that_fails_with_any_error_runs_again_next_time():
    runs: list[int] = []

    async def job(app: web.Application) -> None:
        runs.append(len(runs))
        if len(runs) == 1:
            raise ValueError("a bug in the first run")

    context = every(0.01, job, "test_job")(web.Application())
    await context.__anext__()
    for _ in range(100):
        if len(runs) >= 2:
            break
        await asyncio.sleep(0.01)
    try:
        await context.__anext__()  # what aiohttp does on shutdown: the job stops
    except StopAsyncIteration:
        pass
    assert len(runs) >= 2
