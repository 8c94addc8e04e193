"""What the application page and the home widgets show; presentation only, no changes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from flask_babel import format_date
from flask_babel import gettext as _

from app.extensions import db
from app.security import AccessDenied, can, has_permission, scoped
from app.workflow import Transition, log_for

from . import services
from .dates import current_day, evaluated_on
from .models import (
    ACCREDITED_STATES,
    DOCUMENT_STATES,
    LIVE_STATES,
    Application,
    Document,
    DocumentType,
)
from .models.application import APPLY, WORKFLOW
from .periods import periods_of
from .requirements import applicable_types, current_documents, document_problem, problems, reminder_days

SYSTEM_TRANSITIONS = ("suspend_expired_document", "expire")
NO_REASON = ("submit", "start_review")  # the others take a reason (required or optional)


@dataclass
class Action:
    transition: Transition
    refusal: str | None

    @property
    def asks_reason(self) -> bool:
        return self.transition.name not in NO_REASON


@dataclass
class DocumentRow:
    kind: DocumentType
    current: Document | None
    problem: str | None
    expiring: bool
    older: list[Document] = field(default_factory=list)


def actions(application: Application, user) -> list[Action]:
    """The transitions the user's roles allow from the current state, each with why it is refused."""
    state, found = application.state, []
    with evaluated_on(current_day()):
        for transition in WORKFLOW.transitions.values():
            if transition.name in SYSTEM_TRANSITIONS or state not in transition.sources:
                continue
            if transition.allows(user):
                refusal = transition.guard(application, user) if transition.guard else None
                found.append(Action(transition, refusal))
    return found


def document_rows(application: Application, day: date) -> list[DocumentRow]:
    documents = current_documents(application)
    soon = day + timedelta(days=reminder_days())
    rows = []
    for kind in applicable_types(application):
        current = documents.get(kind.id)
        problem = document_problem(kind, current, day) if kind.is_mandatory else None
        expiring = current is not None and day <= current.expiry_date <= soon
        older = services.document_history(current)[1:] if current else []
        rows.append(DocumentRow(kind, current, problem, expiring, older))
    return rows


def may_upload(application: Application, user) -> bool:
    return application.state in DOCUMENT_STATES and can(user, Document, "create")


def may_renew(application: Application, user) -> bool:
    return (application.state in services.RENEWABLE_STATES and has_permission(user, APPLY)
            and services.live_application(application.organisation_id, application.scheme_id) is None)


def last_request(application: Application) -> str | None:
    """What the coordinators asked for when they last requested changes."""
    if application.state != "changes_requested":
        return None
    entry = next((e for e in log_for(application) if e.transition == "request_changes"), None)
    return entry.reason if entry else None


def renewals(application: Application, user) -> list[Application]:
    stmt = scoped(Application, "read", user).where(Application.previous_id == application.id)
    return list(db.session.scalars(stmt.order_by(Application.id)))


def page(application: Application, user) -> dict:
    """Everything the application page shows besides the record's own fields."""
    day = current_day()
    return {"actions": actions(application, user), "problems": problems(application, day),
            "documents": document_rows(application, day), "periods": periods_of(application),
            "may_upload": may_upload(application, user), "may_renew": may_renew(application, user),
            "requested": last_request(application), "renewals": renewals(application, user)}


# Home widgets -------------------------------------------------------------------------------------
def waiting_for_review(user, limit: int = 10) -> list[Application]:
    stmt = scoped(Application, "read", user).where(Application.state.in_(("submitted", "under_review")))
    return list(db.session.scalars(stmt.order_by(Application.submitted_at, Application.id).limit(limit)))


def expiring_documents(user, day: date, limit: int = 10) -> list[Document]:
    """Current mandatory documents of accredited organisations expiring within the reminder window."""
    stmt = (scoped(Document, "read", user).join(Application, Application.id == Document.application_id)
            .where(Application.state.in_(ACCREDITED_STATES), Document.replaced_by_id.is_(None),
                   Document.expiry_date >= day, Document.expiry_date <= day + timedelta(days=reminder_days()))
            .order_by(Document.expiry_date, Document.id))
    found = [d for d in db.session.scalars(stmt) if d.document_type.is_mandatory]
    return found[:limit]


def applicant_items(user, day: date) -> list[tuple[str, Application]]:
    """What an applicant organisation has to do: requested changes, missing or expiring documents."""
    try:
        stmt = scoped(Application, "read", user).where(Application.state.in_(LIVE_STATES + ACCREDITED_STATES))
    except AccessDenied:
        return []
    items = []
    for application in db.session.scalars(stmt.order_by(Application.id)):
        items += [(text, application) for text in _applicant_texts(application, day)]
    return items


def _applicant_texts(application: Application, day: date) -> list[str]:
    scheme = application.scheme.label()
    texts = []
    if application.state == "changes_requested":
        texts.append(_("%(scheme)s: changes requested — %(reason)s", scheme=scheme,
                       reason=last_request(application) or ""))
    if application.state in ("draft", "changes_requested", "approved", "suspended"):
        texts += [f"{scheme}: {problem}" for problem in problems(application, day)]
    if application.state == "draft" and not problems(application, day):
        texts.append(_("%(scheme)s: ready to be submitted", scheme=scheme))
    for row in document_rows(application, day):
        if row.expiring and row.kind.is_mandatory:
            texts.append(_("%(scheme)s: %(document)s expires on %(date)s", scheme=scheme,
                           document=row.kind.label(), date=format_date(row.current.expiry_date)))
    if application.state == "approved" and not texts:
        texts.append(_("%(scheme)s: accredited until %(date)s", scheme=scheme,
                       date=format_date(application.valid_until)))
    return texts

