"""Scheduled work of the agreements: expiry reminders and expiry."""

from datetime import date

from app.jobs import job

from . import services

SCHEDULE = [{"job": "agreements.expiry", "every": "day", "at": "06:30"}]


@job("agreements.expiry", title="Agreement expiry reminders")
def expiry(ctx, as_of: str) -> dict:
    """Remind before the end date and expire what ended, for every day up to `as_of` (idempotent)."""
    return services.run_expiry(date.fromisoformat(as_of))
