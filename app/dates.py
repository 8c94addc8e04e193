"""The district's clock: days and moments as people in the district see them (Europe/Rome).

Modules import `today` and `now` from here into their own namespace, so a test can set a module's day
(`monkeypatch.setattr(services, "today", ...)`) without touching the others.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

ROME = ZoneInfo("Europe/Rome")
TIMEZONE = "Europe/Rome"  # the same zone by name, for Babel and PostgreSQL sessions


def today() -> date:
    """Today in Rome: the day on people's documents, bookings and deadlines."""
    return datetime.now(ROME).date()


def now() -> datetime:
    """Rome's present moment (aware): what a slot's start or a deadline's hour is compared with."""
    return datetime.now(ROME)
