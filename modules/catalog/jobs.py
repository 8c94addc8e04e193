"""The catalogue's daily job: e-mail reminders for the next day's bookings."""

from __future__ import annotations

from datetime import date

from app.jobs import job

from . import services

SCHEDULE = [{"job": "catalog.send_reminders", "every": "day", "at": "08:00"}]


@job("catalog.send_reminders", title="Catalogue: reminders of tomorrow's bookings")
def send_reminders(ctx, as_of: str) -> dict:
    """Remind the bookings of the day after `as_of` (ISO date); running it twice sends nothing more."""
    return {"as_of": as_of, "sent": services.send_reminders(date.fromisoformat(as_of))}
