"""Jobs: a database row per run (who, what, progress, result), RQ on Redis as the transport.

Without `REDIS_URL` `enqueue()` runs the same `run_job` in-process, so the UI reads progress the
same way in both cases. Jobs take ids and plain values, never ORM objects, and must be idempotent.
"""

from __future__ import annotations

import logging
import os
import time
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from flask import current_app, has_app_context
from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, Text, func, select, update
from sqlalchemy.orm import Mapped, mapped_column

from .audit import acting_as
from .dates import ROME
from .extensions import db

log = logging.getLogger("distretto.jobs")
QUEUE_NAME = "distretto"
RETRY_INTERVALS = [10, 60]  # seconds before each retry; a list shorter than `retries` repeats its first value
FINAL_STATES = ("finished", "failed")


class Job(db.Model):
    __tablename__ = "base_jobs"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), index=True)
    args: Mapped[dict] = mapped_column(JSON, default=dict)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("base_users.id", ondelete="SET NULL"), index=True)
    status: Mapped[str] = mapped_column(String(20), default="queued", index=True)
    progress: Mapped[int] = mapped_column(Integer, default=0)
    message: Mapped[str] = mapped_column(String(300), default="")
    result: Mapped[dict | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    rq_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    def __repr__(self) -> str:
        return f"<Job {self.id} {self.name} {self.status} {self.progress}%>"


class ScheduleRun(db.Model):
    """The last `as_of` date each periodic job was enqueued for (so the scheduler never doubles)."""

    __tablename__ = "base_schedule_runs"
    job_name: Mapped[str] = mapped_column(String(120), primary_key=True)
    last_as_of: Mapped[date] = mapped_column(db.Date)
    enqueued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    def __repr__(self) -> str:
        return f"<ScheduleRun {self.job_name} {self.last_as_of}>"


@dataclass(frozen=True)
class JobSpec:
    name: str
    func: Callable
    timeout: int
    retries: int
    title: str


_REGISTRY: dict[str, JobSpec] = {}


def job(name: str, *, title: str = "", timeout: int = 1800, retries: int = 2):
    """Register a job function `func(ctx: JobContext, **args) -> dict | None` under `name`."""

    def decorator(func: Callable) -> Callable:
        _REGISTRY[name] = JobSpec(name, func, timeout, retries, title or name)
        return func

    return decorator


def spec(name: str) -> JobSpec:
    try:
        return _REGISTRY[name]
    except KeyError:
        raise LookupError(f"No job is registered as '{name}'") from None


class JobContext:
    """What a running job sees: its id, its user, and a throttled progress reporter."""

    def __init__(self, row: Job):
        self.job_id, self.user_id, self.attempt = row.id, row.user_id, row.attempts
        self._last_write, self._last_pct = 0.0, -1

    @property
    def user(self):
        from .models import User

        return db.session.get(User, self.user_id) if self.user_id else None

    def progress(self, done: int, total: int | None = None, message: str = "") -> None:
        pct = min(100, int(done * 100 / total)) if total else min(100, int(done))
        now = time.monotonic()
        interval = current_app.config["JOB_PROGRESS_INTERVAL"]
        if pct == self._last_pct or (now - self._last_write < interval and pct < 100):
            return
        self._last_write, self._last_pct = now, pct
        _write_progress(self.job_id, pct, message[:300])


def _write_progress(job_id: int, pct: int, message: str) -> None:
    stmt = update(Job).where(Job.id == job_id).values(progress=pct, message=message)
    if db.engine.dialect.name == "sqlite":
        db.session.execute(stmt)  # one writer at a time: stay in the job's own transaction
        return
    with db.engine.begin() as connection:  # its own transaction: readers see it at once
        connection.execute(stmt)


def enqueue(name: str, user=None, **args) -> Job:
    """Record a job and hand it to RQ (or run it now when there is no Redis)."""
    job_spec = spec(name)
    row = Job(name=name, args=args, user_id=getattr(user, "id", user))
    redis_url = current_app.config["REDIS_URL"]
    if redis_url:
        row.rq_id = uuid.uuid4().hex  # known before the worker can start, so the row is written once
    db.session.add(row)
    db.session.commit()
    if not redis_url:
        return run_in_process(row.id)
    try:
        _send_to_rq(row.id, row.rq_id, job_spec)
    except Exception as exc:  # Redis unreachable: say so on the row rather than leave it queued forever
        _finish(row.id, "failed", error=_describe(exc))
        raise
    return row


def _send_to_rq(job_id: int, rq_id: str, job_spec: JobSpec) -> None:
    from rq import Queue, Retry

    retry = Retry(max=job_spec.retries, interval=retry_intervals()) if job_spec.retries else None
    queue = Queue(queue_name(), connection=redis_connection())
    queue.enqueue("app.jobs.rq_entry", job_id, job_id=rq_id, job_timeout=job_spec.timeout, retry=retry)


def queue_name() -> str:
    return current_app.config.get("JOB_QUEUE") or QUEUE_NAME


def retry_intervals() -> list[int]:
    """Seconds RQ waits before each retry (`JOB_RETRY_INTERVALS`); 0 re-enqueues at once."""
    return list(current_app.config.get("JOB_RETRY_INTERVALS") or RETRY_INTERVALS)


def redis_connection():
    from redis import Redis

    return Redis.from_url(current_app.config["REDIS_URL"])


def run_job(job_id: int, will_retry: bool = False) -> Job:
    """Run one job row; a finished job is not run again (RQ may deliver a job twice)."""
    row = db.session.get(Job, job_id)
    if row is None or row.status == "finished":
        return row
    row.status, row.started_at, row.attempts, row.error = "running", datetime.now(UTC), row.attempts + 1, None
    db.session.commit()
    context = JobContext(row)
    try:
        with acting_as(row.user_id):
            result = spec(row.name).func(context, **row.args)
        db.session.commit()
    except Exception as exc:
        db.session.rollback()
        _finish(job_id, "retrying" if will_retry else "failed", error=_describe(exc))
        log.exception("Job %s (%s) failed", job_id, row.name)
        raise
    return _finish(job_id, "finished", result=result)


def _describe(exc: Exception) -> str:
    summary = f"{type(exc).__name__}: {exc}"
    return summary + "\n\n" + "".join(traceback.format_exception(exc)[-3:])


def _finish(job_id: int, status: str, result=None, error: str | None = None) -> Job:
    row = db.session.get(Job, job_id)
    row.status, row.error = status, error
    row.finished_at = datetime.now(UTC) if status in FINAL_STATES else None
    if status == "finished":
        row.progress, row.result = 100, result if isinstance(result, dict) else None
    db.session.commit()
    return row


def run_in_process(job_id: int) -> Job:
    """The in-process transport: failures are recorded on the row, not raised to the caller."""
    try:
        return run_job(job_id)
    except Exception:  # noqa: BLE001 - the row holds the error for the Jobs screen
        return db.session.get(Job, job_id)


_worker_app = None


def rq_entry(job_id: int) -> None:
    """What the RQ worker runs: the same `run_job`, inside the application."""
    from rq import get_current_job

    rq_job = get_current_job()
    will_retry = bool(rq_job and rq_job.retries_left)
    if has_app_context():
        _after_fork()
        run_job(job_id, will_retry=will_retry)
        return
    global _worker_app
    if _worker_app is None:
        from . import create_app

        _worker_app = create_app()
    with _worker_app.app_context():
        run_job(job_id, will_retry=will_retry)


def _after_fork() -> None:
    # A forked work-horse must not reuse the parent's database connections.
    state = current_app.extensions["distretto"]
    if state.pid != os.getpid():
        db.engine.dispose(close=False)
        state.pid = os.getpid()


# Periodic jobs -------------------------------------------------------------------------------


def _due_date(entry: dict, now: datetime) -> date:
    """The latest `as_of` date at or before `now` on which the entry was due."""
    local = now.astimezone(ROME)
    hour, minute = (int(x) for x in entry.get("at", "02:00").split(":"))
    passed = (local.hour, local.minute) >= (hour, minute)
    today = local.date()
    if entry.get("every", "day") == "month":
        first = today.replace(day=1)
        if today == first and not passed:
            first = (first - timedelta(days=1)).replace(day=1)
        return first
    return today if passed else today - timedelta(days=1)


def run_due(now: datetime | None = None) -> list[Job]:
    """Enqueue every periodic job whose due date has come and has not been enqueued yet.

    `now` defaults to the current time; a naive `now` is read as UTC.
    """
    now = now or datetime.now(UTC)
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    started = []
    for entry in current_app.extensions["distretto"].schedule:
        due = _due_date(entry, now)
        record = db.session.get(ScheduleRun, entry["job"])
        if record is not None and record.last_as_of >= due:
            continue
        if record is None:
            record = ScheduleRun(job_name=entry["job"], last_as_of=due, enqueued_at=now)
            db.session.add(record)
        record.last_as_of, record.enqueued_at = due, now
        db.session.commit()
        started.append(enqueue(entry["job"], as_of=due.isoformat()))
    return started


def recent_jobs(user, limit: int = 5) -> list[Job]:
    stmt = select(Job).where(Job.user_id == user.id).order_by(Job.id.desc()).limit(limit)
    return list(db.session.scalars(stmt))
