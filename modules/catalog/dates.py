"""Days as people see them (Europe/Rome) and the slots' times turned into aware datetimes."""

from __future__ import annotations

from datetime import date, datetime, time

from app.dates import ROME, now, today

__all__ = ["ROME", "at_rome", "now", "today"]


def at_rome(day: date, moment: time) -> datetime:
    return datetime.combine(day, moment, tzinfo=ROME)
