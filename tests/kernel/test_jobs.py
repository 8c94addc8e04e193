"""Jobs: one row per run; in-process without Redis, a real RQ worker with it; the periodic scheduler.

The worker tests start `flask jobs worker --burst` in a subprocess, as an operator would, on a queue of
their own, and watch the job through the Jobs screen's JSON endpoint while it runs.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from datetime import UTC, date, datetime

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError
from sqlalchemy import func, select

from app import create_app
from app.audit import AuditLog
from app.extensions import db
from app.jobs import FINAL_STATES, Job, enqueue, queue_name, redis_connection, run_due, run_job
from tests.conftest import (
    FIXTURE_MODULES,
    REDIS_URL,
    ROOT,
    make_test_config,
    require_postgres,
    require_redis,
)
from tests.factories import JobFactory, OrganisationFactory, factories, login, make_user

WORKER_TIMEOUT = 30


def _another_app(app, **overrides):
    """A second app on the session app's database (its URL, not conftest's: on SQLite that module may be
    imported twice, each time with a temporary file of its own)."""
    return create_app(
        make_test_config(SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"], **overrides)
    )


def _memo_models():
    from memo.models import Memo, MemoDigest  # importable once the session app has found the module

    return Memo, MemoDigest


def _digests(rows: list[Job]) -> list[Job]:
    return [row for row in rows if row.name == "memo.daily_digest"]


def _digest_days() -> list[date]:
    _, MemoDigest = _memo_models()
    return list(db.session.scalars(select(MemoDigest.day).order_by(MemoDigest.day)))


# In-process (no REDIS_URL) ------------------------------------------------------------------------


def test_without_redis_a_job_runs_in_process_to_the_end(app, ctx):
    row = enqueue("memo.count_slowly", steps=4)

    assert (row.status, row.progress, row.result, row.attempts) == ("finished", 100, {"steps": 4}, 1)
    assert row.started_at is not None and row.finished_at is not None
    assert row.rq_id is None


def test_a_failing_job_is_recorded_on_its_row_not_raised(app, ctx):
    row = enqueue("memo.boom")

    assert row.status == "failed"
    assert "ValueError: this job always fails" in row.error
    assert row.finished_at is not None


def test_a_finished_job_delivered_again_does_nothing(app, ctx):
    row = enqueue("memo.daily_digest", as_of="2025-03-10")
    finished_at = row.finished_at

    run_job(row.id)

    db.session.refresh(row)
    assert (row.status, row.attempts, row.finished_at) == ("finished", 1, finished_at)
    assert _digest_days() == [date(2025, 3, 10)]


def test_a_job_records_the_user_who_started_it(app, ctx):
    coordinator = make_user("coordinator")

    row = enqueue("memo.count_slowly", user=coordinator, steps=1)

    assert row.user_id == coordinator.id


def test_changes_made_by_a_job_are_audited_as_its_user(app, ctx):
    Memo, _ = _memo_models()
    coordinator = make_user("coordinator")
    memo = factories()[Memo](title="Vecchio titolo", organisation=OrganisationFactory(partita_iva=None))

    enqueue("memo.retitle", user=coordinator, memo_id=memo.id, title="Nuovo titolo")

    change = db.session.scalars(
        select(AuditLog).where(
            AuditLog.model == "Memo",
            AuditLog.record_id == str(memo.id),
            AuditLog.field == "title",
            AuditLog.action == "update",
        )
    ).one()
    assert (change.user_id, change.old, change.new) == (coordinator.id, "Vecchio titolo", "Nuovo titolo")


def test_progress_writes_are_throttled(app, ctx, monkeypatch):
    import app.jobs as jobs

    writes = []
    monkeypatch.setattr(jobs, "_write_progress", lambda job_id, pct, message: writes.append(pct))

    enqueue("memo.count_slowly", steps=200)  # far quicker than JOB_PROGRESS_INTERVAL

    assert writes == [0, 100]  # the first step, then the end: not one write per step


def test_a_job_redis_cannot_take_is_marked_failed_not_left_queued(app):
    unreachable = _another_app(app, REDIS_URL="redis://127.0.0.1:9/3")  # nothing listens there
    with unreachable.app_context():
        with pytest.raises(RedisConnectionError):
            enqueue("memo.count_slowly")

        row = db.session.scalars(select(Job)).one()
        assert row.status == "failed"
        assert "ConnectionError" in row.error
        db.session.remove()


# The scheduler -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "as_of"),
    [
        (datetime(2025, 3, 10, 4, 30, tzinfo=UTC), "2025-03-09"),  # 05:30 in Rome: not six yet
        (datetime(2025, 3, 10, 5, 30, tzinfo=UTC), "2025-03-10"),  # 06:30 in Rome, though 05:30 in UTC
        (datetime(2025, 7, 10, 4, 30, tzinfo=UTC), "2025-07-10"),  # 06:30 in Rome in summer time
        (datetime(2025, 3, 9, 23, 30, tzinfo=UTC), "2025-03-09"),  # already the 10th in Rome, 00:30
    ],
)
def test_the_daily_digest_is_due_for_the_last_six_oclock_in_rome(app, ctx, now, as_of):
    (row,) = _digests(run_due(now))

    assert row.args == {"as_of": as_of}
    assert row.status == "finished"


def test_the_scheduler_enqueues_a_due_job_once_a_day(app, ctx):
    assert len(_digests(run_due(datetime(2025, 3, 10, 7, 0, tzinfo=UTC)))) == 1

    assert _digests(run_due(datetime(2025, 3, 10, 7, 1, tzinfo=UTC))) == []
    assert _digests(run_due(datetime(2025, 3, 10, 22, 0, tzinfo=UTC))) == []
    assert db.session.scalar(select(func.count(Job.id)).where(Job.name == "memo.daily_digest")) == 1


def test_after_missed_days_one_run_catches_up_to_as_of(app, ctx):
    run_due(datetime(2025, 3, 10, 7, 0, tzinfo=UTC))

    (row,) = _digests(run_due(datetime(2025, 3, 14, 7, 0, tzinfo=UTC)))  # the 11th to the 13th were missed

    assert row.args == {"as_of": "2025-03-14"}
    assert row.result == {"created": 4}
    assert _digest_days() == [date(2025, 3, day) for day in range(10, 15)]


def test_the_digest_run_twice_for_the_same_day_creates_nothing_new(app, ctx):
    enqueue("memo.daily_digest", as_of="2025-03-14")

    again = enqueue("memo.daily_digest", as_of="2025-03-14")

    assert (again.status, again.result) == ("finished", {"created": 0})
    assert _digest_days() == [date(2025, 3, 14)]


def test_run_due_from_the_command_line(app, ctx):
    runner = app.test_cli_runner()

    first = runner.invoke(args=["jobs", "run-due", "--now", "2025-03-10T05:30:00"])
    second = runner.invoke(args=["jobs", "run-due", "--now", "2025-03-10T09:00:00"])

    assert first.exit_code == 0, first.output
    assert "Enqueued memo.daily_digest {'as_of': '2025-03-10'}" in first.output
    assert second.exit_code == 0, second.output
    assert "memo.daily_digest" not in second.output
    assert _digest_days() == [date(2025, 3, 10)]


def test_run_due_reads_the_offset_of_now(app, ctx):
    # 06:30+02:00 is 04:30 UTC, 05:30 in Rome: yesterday's digest, not today's.
    result = app.test_cli_runner().invoke(args=["jobs", "run-due", "--now", "2025-03-11T06:30:00+02:00"])

    assert result.exit_code == 0, result.output
    assert "Enqueued memo.daily_digest {'as_of': '2025-03-10'}" in result.output


def test_run_due_refuses_a_malformed_now(app, ctx):
    result = app.test_cli_runner().invoke(args=["jobs", "run-due", "--now", "yesterday"])

    assert result.exit_code == 1
    assert "not an ISO date-time" in result.output


# The Jobs screen -----------------------------------------------------------------------------------


@pytest.fixture
def two_jobs(app, ctx):
    """A coordinator's running job and someone else's."""
    coordinator = make_user("coordinator")
    mine = JobFactory(user_id=coordinator.id, status="running", progress=40, message="step 4/10")
    theirs = JobFactory(user_id=make_user("coordinator").id, status="running", progress=70)
    return coordinator, mine, theirs


def test_the_jobs_screen_shows_a_coordinator_the_progress_of_their_job(client, two_jobs):
    coordinator, mine, theirs = two_jobs
    login(client, coordinator)

    page = client.get("/admin/job/").get_data(as_text=True)

    assert f'data-job-id="{mine.id}"' in page
    assert 'aria-valuenow="40"' in page
    assert 'data-progress-url="/admin/job/progress/"' in page  # where job-progress.js asks for updates
    assert f'data-job-id="{theirs.id}"' not in page


def test_job_progress_json_is_read_from_the_row(client, two_jobs):
    coordinator, mine, _ = two_jobs
    login(client, coordinator)

    response = client.get(f"/admin/job/progress/?id={mine.id}")

    assert response.json == [{"id": mine.id, "status": "running", "progress": 40, "message": "step 4/10"}]


def test_job_progress_json_says_nothing_of_another_users_job(client, two_jobs):
    coordinator, _, theirs = two_jobs
    login(client, coordinator)

    assert client.get(f"/admin/job/progress/?id={theirs.id}").json == []


# A real RQ worker ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def rq_app(app):
    """An app that sends jobs to Redis, on a queue of its own; retries wait one second."""
    require_redis()
    require_postgres()  # the worker is another process: it needs a database server, not a temp file
    application = _another_app(
        app,
        REDIS_URL=REDIS_URL,
        JOB_QUEUE=f"distretto-test-{uuid.uuid4().hex[:12]}",
        JOB_RETRY_INTERVALS=[1],
    )  # the rate limiter is one object for every app: never configure it differently in a test
    yield application
    with application.app_context():
        _delete_queue()


def _delete_queue() -> None:
    from rq import Queue
    from rq.job import Job as RQJob

    queue = Queue(queue_name(), connection=redis_connection())
    registries = ("started", "finished", "failed", "scheduled", "deferred", "canceled")
    ids = set(queue.job_ids)
    for registry in registries:
        ids.update(getattr(queue, f"{registry}_job_registry").get_job_ids())
    for rq_job in RQJob.fetch_many(list(ids), connection=queue.connection):
        if rq_job is not None:
            rq_job.delete()
    queue.delete(delete_jobs=True)


@contextmanager
def real_worker(application, burst: bool = True):
    """`flask jobs worker` in a subprocess, as an operator starts it.

    A burst worker is awaited until it has emptied the queue; a long-running one (whose scheduler
    re-enqueues retries when due) is stopped with SIGTERM, RQ's warm shutdown, on leaving the block.
    """
    env = {
        **os.environ,
        "DATABASE_URL": application.config["SQLALCHEMY_DATABASE_URI"],
        "REDIS_URL": application.config["REDIS_URL"],
        "DISTRETTO_MODULES_PATH": str(FIXTURE_MODULES),
        "FLASK_APP": "app:create_cli_app",
        "DISTRETTO_ENV": "testing",
        # the worker loads exactly the modules of the app that enqueued (all installed in the test database)
        "DISTRETTO_MODULES": ",".join(m.name for m in application.extensions["distretto"].modules) or "memo",
    }
    command = [sys.executable, "-m", "flask", "jobs", "worker", "--queue", application.config["JOB_QUEUE"]]
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            command + (["--burst"] if burst else []),
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            yield process
            if not burst:
                process.terminate()
            process.wait(timeout=WORKER_TIMEOUT)
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)  # the worker, its work-horse and its scheduler
                process.wait(timeout=5)
            log.seek(0)
            output = log.read().decode(errors="replace")
            print(output)  # shown by pytest when the test fails
        assert process.returncode == 0, output


def _enqueue_as_coordinator(application, client, name: str, **args) -> int:
    with application.app_context():
        coordinator = make_user("coordinator")
        login(client, coordinator)
        job_id = enqueue(name, user=coordinator, **args).id
        db.session.remove()
    return job_id


def _progress(client, job_id: int) -> dict:
    (state,) = client.get(f"/admin/job/progress/?id={job_id}").json
    return state


def _watch_until(client, job_id: int, worker, statuses=FINAL_STATES) -> list[dict]:
    """Poll the Jobs screen's JSON as the browser does, until the job reaches one of `statuses`."""
    seen = [_progress(client, job_id)]
    deadline = time.monotonic() + WORKER_TIMEOUT
    while seen[-1]["status"] not in statuses:
        assert time.monotonic() < deadline, f"job {job_id} never reached {statuses}: {seen[-1]}"
        assert worker.poll() is None or worker.returncode == 0, "the worker died"
        time.sleep(0.05)
        seen.append(_progress(client, job_id))
    return seen


def _row(application, job_id: int) -> Job:
    with application.app_context():
        row = db.session.get(Job, job_id)
        db.session.expunge(row)
    return row


def test_a_real_worker_shows_progress_while_it_runs(rq_app):
    client = rq_app.test_client()
    job_id = _enqueue_as_coordinator(rq_app, client, "memo.count_slowly", steps=10, pause=0.2)
    assert _progress(client, job_id)["status"] == "queued"

    with real_worker(rq_app) as worker:
        seen = _watch_until(client, job_id, worker)

    assert any(0 < state["progress"] < 100 for state in seen), seen
    assert "running" in {state["status"] for state in seen}
    row = _row(rq_app, job_id)
    assert (row.status, row.progress, row.result, row.attempts) == ("finished", 100, {"steps": 10}, 1)


def test_a_real_worker_records_a_failure_and_the_screen_shows_its_error(rq_app):
    client = rq_app.test_client()
    job_id = _enqueue_as_coordinator(rq_app, client, "memo.boom")

    with real_worker(rq_app):
        pass

    row = _row(rq_app, job_id)
    assert (row.status, row.attempts) == ("failed", 1)
    assert "ValueError: this job always fails" in row.error
    details = client.get(f"/admin/job/details/?id={job_id}").get_data(as_text=True)
    assert "ValueError: this job always fails" in details


def test_a_real_worker_retries_a_failed_job_with_rq_retry(rq_app):
    client = rq_app.test_client()
    job_id = _enqueue_as_coordinator(rq_app, client, "memo.flaky")

    with real_worker(rq_app, burst=False) as worker:  # its scheduler re-enqueues the retry when due
        first = _watch_until(client, job_id, worker, {"retrying", *FINAL_STATES})
        assert first[-1]["status"] == "retrying", first
        assert "RuntimeError: first attempt fails on purpose" in _row(rq_app, job_id).error
        _watch_until(client, job_id, worker)

    row = _row(rq_app, job_id)
    assert (row.status, row.attempts, row.result, row.error) == ("finished", 2, {"attempt": 2}, None)
