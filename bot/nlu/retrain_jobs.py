"""The queue of retrain jobs in the database (retrain_jobs): the editor's button and `bot retrain`
enqueue, a worker claims, reports its step and finishes with a result code. Any replica reads the
state from here. Holds codes only: never training output, never text.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import async_sessionmaker

from bot.db.models import RetrainJob, utcnow

log = logging.getLogger(__name__)

QUEUED, RUNNING, SUCCEEDED, FAILED = "queued", "running", "succeeded", "failed"
ACTIVE_STATES = frozenset({QUEUED, RUNNING})
# The worker touches a running job at least this often; one untouched for ABANDONED_AFTER lost
# its worker (killed, machine gone) and is failed, so it cannot block retraining for ever.
HEARTBEAT_SECONDS = 30
ABANDONED_AFTER = timedelta(minutes=5)
# Result codes that are not a step's failure (bot.nlu.retrain has those).
WORKER_LOST = "worker_lost"


class RetrainBusy(Exception):
    """A job is queued or running already."""


@dataclass(frozen=True)
class Job:
    id: int
    state: str
    step: str | None
    result: str | None
    requested_by: int | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None

    @property
    def active(self) -> bool:
        return self.state in ACTIVE_STATES


def aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; everything here is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _job(row: RetrainJob) -> Job:
    return Job(row.id, row.state, row.step, row.result, row.requested_by, aware(row.created_at),
               aware(row.started_at) if row.started_at else None,
               aware(row.finished_at) if row.finished_at else None)


class RetrainJobs:
    def __init__(self, sessions: async_sessionmaker) -> None:
        self._sessions = sessions

    async def enqueue(self, requested_by: int | None) -> Job:
        """A new queued job; RetrainBusy while another is queued or running (one at a time: the
        jobs write the same training data file and models)."""
        await self._fail_abandoned()
        row = RetrainJob(state=QUEUED, active=1, requested_by=requested_by)
        try:
            async with self._sessions() as session, session.begin():
                session.add(row)
        except IntegrityError:
            raise RetrainBusy() from None
        log.info("retrain_enqueued job=%s", row.id)
        return _job(row)

    async def claim(self) -> Job | None:
        """Takes the oldest queued job for this worker, or None. The conditional update lets one
        worker only take a job, however many ask at once."""
        await self._fail_abandoned()
        oldest = select(func.min(RetrainJob.id)).where(RetrainJob.state == QUEUED).scalar_subquery()
        now = utcnow()
        # One statement: a second worker's update waits for the first's and then finds the job
        # no longer queued (PostgreSQL re-checks the condition; SQLite runs writers one by one).
        async with self._sessions() as session, session.begin():
            row = (await session.scalars(
                update(RetrainJob).where(RetrainJob.id == oldest, RetrainJob.state == QUEUED)
                .values(state=RUNNING, started_at=now, heartbeat_at=now).returning(RetrainJob))).first()
        if row is None:
            return None
        log.info("retrain_claimed job=%s", row.id)
        return _job(row)

    async def report(self, job_id: int, step: str | None = None) -> None:
        """The job is alive, and at this step when one is given."""
        values: dict[str, object] = {"heartbeat_at": utcnow()}
        if step is not None:
            values["step"] = step
        async with self._sessions() as session, session.begin():
            await session.execute(update(RetrainJob).where(RetrainJob.id == job_id, RetrainJob.state == RUNNING)
                                  .values(**values))

    async def finish(self, job_id: int, result: str) -> None:
        """`result` is a code; "succeeded" is the only success."""
        state = SUCCEEDED if result == SUCCEEDED else FAILED
        async with self._sessions() as session, session.begin():
            await session.execute(update(RetrainJob).where(RetrainJob.id == job_id, RetrainJob.state == RUNNING)
                                  .values(state=state, result=result, active=None, finished_at=utcnow()))
        log.info("retrain_finished job=%s state=%s result=%s", job_id, state, result)

    async def get(self, job_id: int) -> Job | None:
        async with self._sessions() as session:
            row = await session.get(RetrainJob, job_id)
        return _job(row) if row is not None else None

    async def latest(self) -> Job | None:
        async with self._sessions() as session:
            row = (await session.scalars(select(RetrainJob).order_by(RetrainJob.id.desc()).limit(1))).first()
        return _job(row) if row is not None else None

    async def last_succeeded(self) -> Job | None:
        async with self._sessions() as session:
            row = (await session.scalars(select(RetrainJob).where(RetrainJob.state == SUCCEEDED)
                                         .order_by(RetrainJob.id.desc()).limit(1))).first()
        return _job(row) if row is not None else None

    async def _fail_abandoned(self) -> None:
        cutoff = utcnow() - ABANDONED_AFTER
        async with self._sessions() as session, session.begin():
            gone = await session.execute(
                update(RetrainJob).where(RetrainJob.state == RUNNING, RetrainJob.heartbeat_at < cutoff)
                .values(state=FAILED, result=WORKER_LOST, active=None, finished_at=utcnow()))
        if gone.rowcount:
            log.warning("retrain_abandoned jobs=%s", gone.rowcount)
