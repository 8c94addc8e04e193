"""The accreditation's daily job: reminders, automatic suspensions and expiries (see expiry.py)."""

from __future__ import annotations

from datetime import date

from app.jobs import job

from . import expiry

SCHEDULE = [{"job": "accreditation.check_expiries", "every": "day", "at": "06:00"}]


@job("accreditation.check_expiries", title="Accreditation: reminders, suspensions and expiries")
def check_expiries(ctx, as_of: str) -> dict:
    """Process everything due up to `as_of` (ISO date); running it twice changes nothing more."""
    return {"as_of": as_of, **expiry.run(date.fromisoformat(as_of))}
