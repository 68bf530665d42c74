"""`bot retrain enqueue|worker|run|status`: queues a retrain job, runs the worker (`bot run` starts
it as a process of its own), runs one job in the foreground with its output, or shows the latest
job. Prints result codes and training output; never a secret.
"""
from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
from pathlib import Path
from typing import Awaitable, TypeVar

from bot.db.engine import make_engine, session_factory
from bot.db.schema import require_current
from bot.nlu.phrasings import Phrasings
from bot.nlu.retrain import Retrainer, TrainingPaths
from bot.nlu.retrain_jobs import RUNNING, SUCCEEDED, Job, RetrainBusy, RetrainJobs
from bot.nlu.retrain_worker import RetrainWorker
from bot.nlu.training_data import TrainingData
from bot.settings import RetrainSettings

T = TypeVar("T")


def describe(job: Job | None) -> str:
    if job is None:
        return "no retrain job yet"
    parts = [f"job {job.id}: {job.state}"]
    if job.state == RUNNING and job.step:
        parts.append(f"step {job.step}")
    if job.result:
        parts.append(f"result {job.result}")
    parts.append(f"queued {job.created_at:%Y-%m-%d %H:%M:%S} UTC")
    if job.finished_at:
        parts.append(f"finished {job.finished_at:%Y-%m-%d %H:%M:%S} UTC")
    return ", ".join(parts)


async def run_retrain(settings: RetrainSettings, action: str, paths: TrainingPaths | None = None) -> int:
    engine = make_engine(settings.database_url)
    try:
        await require_current(engine)
        sessions = session_factory(engine)
        jobs = RetrainJobs(sessions)
        if action == "status":
            print(describe(await jobs.latest()))
            return 0
        if action == "enqueue":
            try:
                job = await jobs.enqueue(requested_by=None)
            except RetrainBusy:
                print(f"not queued, a retrain is waiting or running: {describe(await jobs.latest())}", file=sys.stderr)
                return 1
            print(f"queued: {describe(job)}; the worker (bot run starts it) runs it")
            return 0
        paths = paths or TrainingPaths.of_project(Path.cwd())
        training = await asyncio.to_thread(TrainingData.read, paths.project_root / "data" / "nlu")
        foreground = action == "run"
        retrainer = Retrainer(Phrasings(sessions, training), paths, settings.rasa_replicas,
                              settings.rasa_token.get_secret_value(), on_line=print if foreground else None)
        worker = RetrainWorker(jobs, retrainer, log_output_on_failure=not foreground)
        if foreground:
            return await _run_one(jobs, worker)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        await worker.run_forever(stop)
        return 0
    finally:
        await engine.dispose()


async def _run_one(jobs: RetrainJobs, worker: RetrainWorker) -> int:
    """Queues a job (or takes the one waiting) and runs it here; Ctrl-C stops it, changing nothing."""
    with contextlib.suppress(RetrainBusy):
        await jobs.enqueue(requested_by=None)
    job = await _until_signal(worker.run_once())
    if job is None:
        print(f"nothing run: {describe(await jobs.latest())}", file=sys.stderr)
        return 1
    print(describe(job))
    return 0 if job.result == SUCCEEDED else 1


async def _until_signal(work: Awaitable[T]) -> T | None:
    """`work`, cancelled by Ctrl-C or SIGTERM (it cleans up, then None)."""
    task = asyncio.ensure_future(work)
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, task.cancel)
    try:
        return await task
    except asyncio.CancelledError:
        return None
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)
