"""Settlement jobs: on the 1st of each month the drafts of the month before (coordinators told once), and every
day the reminders of statements still unpaid."""

from __future__ import annotations

from datetime import date

from app.jobs import job

from ..services import settlement

SCHEDULE = [
    {"job": "shop_network.settlement_drafts", "every": "month", "at": "03:00"},
    {"job": "shop_network.payment_reminders", "every": "day", "at": "07:00"},
]


@job("shop_network.settlement_drafts", title="Shop network: drafts of last month's statements")
def compute_month_drafts(ctx, as_of: str) -> dict:
    """Drafts for the month before `as_of`; running it again creates nothing new and tells nobody twice."""
    month = settlement.previous_month(date.fromisoformat(as_of))
    result = settlement.compute_drafts(month)
    if result.created:
        settlement.notify_drafts_ready(month, result.created)
        from app.extensions import db

        db.session.commit()
    return result.as_dict()


@job("shop_network.payment_reminders", title="Shop network: reminders of unpaid statements")
def payment_reminders(ctx, as_of: str) -> dict:
    return {"as_of": as_of, "sent": settlement.send_reminders(date.fromisoformat(as_of))}


@job("shop_network.compute_drafts", title="Shop network: compute the drafts of a month")
def compute_drafts_on_demand(ctx, month: str) -> dict:
    """The coordinator's "compute drafts for month" action, run in the background."""
    return settlement.compute_drafts(date.fromisoformat(month)).as_dict()
