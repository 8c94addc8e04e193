"""Jobs that exercise the kernel's job system in tests."""

import time
from datetime import date, timedelta

from sqlalchemy import func, select

from app.extensions import db
from app.jobs import job

from .models import Memo, MemoDigest

SCHEDULE = [{"job": "memo.daily_digest", "every": "day", "at": "06:00"}]


@job("memo.count_slowly", title="Count slowly")
def count_slowly(ctx, steps: int = 10, pause: float = 0.0):
    for step in range(1, steps + 1):
        time.sleep(pause)
        ctx.progress(step, steps, f"step {step}/{steps}")
    return {"steps": steps}


@job("memo.flaky", retries=2)
def flaky(ctx):
    """Fails on its first attempt, succeeds on the next (proves RQ's Retry)."""
    if ctx.attempt < 2:
        raise RuntimeError("first attempt fails on purpose")
    return {"attempt": ctx.attempt}


@job("memo.boom", retries=0)
def boom(ctx):
    raise ValueError("this job always fails")


@job("memo.retitle", retries=0)
def retitle(ctx, memo_id: int, title: str):
    """Rename a memo by id (proves a job's changes are audited as the user who started it)."""
    memo = db.session.get(Memo, memo_id)
    memo.title = title
    db.session.commit()
    return {"memo_id": memo_id}


@job("memo.daily_digest")
def daily_digest(ctx, as_of: str):
    """Catch up every day up to `as_of` that has no digest yet; running twice adds nothing."""
    until = date.fromisoformat(as_of)
    last = db.session.scalar(select(func.max(MemoDigest.day)))
    day = (last + timedelta(days=1)) if last else until
    created = 0
    while day <= until:
        db.session.add(MemoDigest(day=day, memo_count=db.session.scalar(select(func.count(Memo.id)))))
        day += timedelta(days=1)
        created += 1
    db.session.commit()
    return {"created": created}
