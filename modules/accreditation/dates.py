"""Dates of accreditation (DOMAIN.md § Business rules: document dates).

A document issued on day D with a validity of N days expires on D + N; with a validity of M months
it expires on the same day M months later, clamped to that month's end (31 Aug + 6 months = 28 Feb).
It is valid through its expiry day; the reminder is due `reminder_days` before it, the suspension
the day after. Dates people see are Europe/Rome; `current_day()` lets a transition be evaluated
as of a given day (tests, the daily job's `as_of`).
"""

from __future__ import annotations

import contextlib
from calendar import monthrange
from contextvars import ContextVar
from datetime import date, timedelta

from app.dates import today

ONE_DAY = timedelta(days=1)
_evaluated_on: ContextVar[date | None] = ContextVar("accreditation_evaluated_on", default=None)


def current_day() -> date:
    """The day rules are evaluated on: the one set by `evaluated_on`, else today in Rome."""
    return _evaluated_on.get() or today()


@contextlib.contextmanager
def evaluated_on(day: date | None):
    token = _evaluated_on.set(day)
    try:
        yield
    finally:
        _evaluated_on.reset(token)


def add_months(day: date, months: int) -> date:
    """`day` moved by `months`, clamped to the target month's last day."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, monthrange(year, month)[1]))


def expiry_date(issued: date, days: int | None = None, months: int | None = None) -> date:
    """The last day a document issued on `issued` is valid."""
    if days is not None:
        return issued + timedelta(days=days)
    if months is not None:
        return add_months(issued, months)
    raise ValueError("a validity needs days or months")


def reminder_date(expiry: date, reminder_days: int) -> date:
    return expiry - timedelta(days=reminder_days)


def suspension_date(expiry: date) -> date:
    return expiry + ONE_DAY


def period_end(start: date, months: int) -> date:
    """The last day of an accreditation that starts on `start` and lasts `months` months."""
    return add_months(start, months) - ONE_DAY
