"""Days as people see them (Europe/Rome) and the slots' times turned into aware datetimes."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

ROME = ZoneInfo("Europe/Rome")


def today() -> date:
    return datetime.now(ROME).date()


def now() -> datetime:
    """Rome's present moment: what booking compares a slot's start with."""
    return datetime.now(ROME)


def at_rome(day: date, moment: time) -> datetime:
    return datetime.combine(day, moment, tzinfo=ROME)
