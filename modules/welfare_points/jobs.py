"""The WelfarePoints' daily job: erase the personal data of cases closed longer than the retention period."""

from __future__ import annotations

from datetime import date

from app.jobs import job

from . import services

SCHEDULE = [{"job": "welfare_points.erase_personal_data", "every": "day", "at": "02:30"}]


@job("welfare_points.erase_personal_data", title="WelfarePoints: erase expired personal data")
def erase_personal_data(ctx, as_of: str) -> dict:
    """Erase what is due up to `as_of` (ISO date); running it twice erases nothing more."""
    erased = services.erase_expired(date.fromisoformat(as_of), progress=ctx.progress)
    return {"as_of": as_of, "erased": erased}
