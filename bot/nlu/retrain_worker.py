"""The retrain worker: claims queued retrain jobs from the database and runs each with the
Retrainer, keeping the job's step and heartbeat current. Runs as its own process (`bot retrain
worker`, started by `bot run`), or for one job in the foreground (`bot retrain run`); never inside
the internet-facing service. Holds no secret but the database's and RASA_TOKEN.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging

from bot.nlu.retrain import INTERRUPTED, Retrainer
from bot.nlu.retrain_jobs import HEARTBEAT_SECONDS, SUCCEEDED, Job, RetrainJobs

log = logging.getLogger(__name__)
# How often an idle worker looks for a queued job: an admin waits at most this long for the start.
POLL_SECONDS = 2.0


class RetrainWorker:
    def __init__(self, jobs: RetrainJobs, retrainer: Retrainer, log_output_on_failure: bool = True) -> None:
        self._jobs = jobs
        self.retrainer = retrainer
        # A worker in the background shows Rasa's output only when a job failed: where it came from.
        self._log_output_on_failure = log_output_on_failure

    async def run_once(self) -> Job | None:
        """Claims the oldest queued job and runs it to its end; None when none was queued (or
        another worker took it). Cancelled, the job ends as "interrupted" and nothing changed."""
        job = await self._jobs.claim()
        if job is None:
            return None
        heartbeat = asyncio.create_task(self._beat(job.id))

        async def report(step: str) -> None:
            await self._jobs.report(job.id, step)

        try:
            result = await self.retrainer.run(report)
        except asyncio.CancelledError:
            await self._jobs.finish(job.id, INTERRUPTED)
            raise
        finally:
            heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await heartbeat
        await self._jobs.finish(job.id, result)
        if result != SUCCEEDED and self._log_output_on_failure:
            for line in self.retrainer.lines:
                log.warning("retrain_output job=%s | %s", job.id, line)
        return await self._jobs.get(job.id)

    async def run_forever(self, stop: asyncio.Event, poll_seconds: float = POLL_SECONDS) -> None:
        """Until `stop` is set; a job that is running then is interrupted and changes nothing."""
        log.info("retrain_worker_started")
        while not stop.is_set():
            work = asyncio.create_task(self._next(poll_seconds))
            stopping = asyncio.create_task(stop.wait())
            await asyncio.wait([work, stopping], return_when=asyncio.FIRST_COMPLETED)
            stopping.cancel()
            if not work.done():
                work.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await work
        log.info("retrain_worker_stopped")

    async def _next(self, poll_seconds: float) -> None:
        try:
            job = await self.run_once()
        except asyncio.CancelledError:
            raise
        except Exception:  # noqa: BLE001 - a database hiccup must not end the worker
            log.exception("retrain_worker_error")
            job = None
        if job is None:
            await asyncio.sleep(poll_seconds)

    async def _beat(self, job_id: int) -> None:
        while True:
            await asyncio.sleep(HEARTBEAT_SECONDS)
            try:
                await self._jobs.report(job_id)
            except Exception:  # noqa: BLE001 - the next beat tries again
                log.warning("retrain_heartbeat_failed job=%s", job_id)
