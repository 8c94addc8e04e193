"""The daily expiry check (jobs.py runs it with an `as_of` date; a missed day is caught up).

- A mandatory document of an accredited organisation that expires within `reminder_days` of
  `as_of` gets one reminder (its `reminder_sent_on` is set, so a second run sends nothing).
- The day after a mandatory document expires, the accreditation is suspended automatically with
  the reason "documento scaduto: <type>"; a valid replacement lets a coordinator reactivate it.
- The day after the scheme's period ends, the accreditation expires.
Changes take effect on the day they were due, not on the day the job happens to run.
"""

from __future__ import annotations

from datetime import date, timedelta

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from app.extensions import db

from . import notices
from .dates import suspension_date
from .models import ACCREDITED_STATES, Application, Document
from .requirements import current_documents, reminder_days, required_types
from .services import transition

DISTRICT_LOCALE = "it"  # reasons are stored once, in the district's language


def send_reminders(as_of: date) -> int:
    """Remind once for each mandatory document expiring between `as_of` and `reminder_days` later."""
    stmt = (select(Document).join(Application, Application.id == Document.application_id)
            .where(Application.state.in_(ACCREDITED_STATES), Document.replaced_by_id.is_(None),
                   Document.reminder_sent_on.is_(None), Document.expiry_date >= as_of,
                   Document.expiry_date <= as_of + timedelta(days=reminder_days()))
            .order_by(Document.expiry_date, Document.id))
    sent = 0
    for document in db.session.scalars(stmt).all():
        if document.document_type in required_types(document.application):
            notices.reminder_notice(document, as_of)
            document.reminder_sent_on = as_of
            sent += 1
    db.session.flush()
    return sent


def _expired_documents(application: Application, as_of: date) -> list[Document]:
    documents = current_documents(application)
    found = [documents[kind.id] for kind in required_types(application) if kind.id in documents]
    return sorted((d for d in found if suspension_date(d.expiry_date) <= as_of), key=lambda d: d.expiry_date)


def _suspension_reason(documents: list[Document]) -> str:
    names = ", ".join(d.document_type.label(DISTRICT_LOCALE) for d in documents)
    with force_locale(DISTRICT_LOCALE):
        return _("expired document: %(names)s", names=names)


def next_change(application: Application, as_of: date) -> tuple[str, date, str | None] | None:
    """The earliest change due by `as_of`: (transition, day it takes effect, reason), or None."""
    if application.state not in ACCREDITED_STATES:
        return None
    due = []
    if application.valid_until is not None and application.valid_until + timedelta(days=1) <= as_of:
        due.append((application.valid_until + timedelta(days=1), 0, "expire", None))
    if application.state == "approved":
        expired = _expired_documents(application, as_of)
        if expired:
            first = suspension_date(expired[0].expiry_date)
            reason = _suspension_reason([d for d in expired if suspension_date(d.expiry_date) == first])
            due.append((first, 1, "suspend_expired_document", reason))
    if not due:
        return None
    on, _order, name, reason = min(due)
    return name, on, reason


def apply_due_changes(as_of: date) -> dict[str, int]:
    """Suspend and expire what is due by `as_of`, in the order it fell due."""
    counts = {"suspended": 0, "expired": 0}
    stmt = select(Application).where(Application.state.in_(ACCREDITED_STATES)).order_by(Application.id)
    for application in db.session.scalars(stmt).all():
        while (change := next_change(application, as_of)) is not None:
            name, on, reason = change
            transition(application, name, None, reason=reason, on=on, commit=False)
            counts["expired" if name == "expire" else "suspended"] += 1
    return counts


def run(as_of: date) -> dict[str, int]:
    """Everything the daily check does for `as_of`; the caller commits."""
    return {"reminders": send_reminders(as_of), **apply_due_changes(as_of)}
