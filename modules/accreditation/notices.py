"""Who hears about what: notifications of transitions, submissions and expiring documents.

Titles and bodies are rendered in each recipient's language by app.notify; the values that depend
on the language (scheme names, states, dates) are passed as objects that translate when shown.
"""

from __future__ import annotations

from datetime import date

from flask import current_app, has_request_context, url_for
from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.extensions import db
from app.models import Role, User, user_roles
from app.notify import notify

from .models import STATES, Application, Document

TITLES = {
    "submit": _l("Application submitted: %(scheme)s"),
    "start_review": _l("Your application is under review: %(scheme)s"),
    "request_changes": _l("Changes requested on your application: %(scheme)s"),
    "approve": _l("Accreditation approved: %(scheme)s"),
    "reject": _l("Application rejected: %(scheme)s"),
    "suspend": _l("Accreditation suspended: %(scheme)s"),
    "suspend_expired_document": _l("Accreditation suspended: %(scheme)s"),
    "reactivate": _l("Accreditation reactivated: %(scheme)s"),
    "revoke": _l("Accreditation revoked: %(scheme)s"),
    "expire": _l("Accreditation expired: %(scheme)s"),
}
TO_COORDINATORS = {
    "submit": _l("New application to review: %(organisation)s, %(scheme)s"),
    "suspend_expired_document": _l("Accreditation suspended (expired document): %(organisation)s, %(scheme)s"),
}


class Localised:
    """A value shown in the language of whoever reads it (str() is called under force_locale)."""

    def __init__(self, render):
        self._render = render

    def __str__(self) -> str:
        return str(self._render())


def localised_date(day: date) -> Localised:
    return Localised(lambda: format_date(day))


def organisation_users(organisation_id: int) -> list[User]:
    stmt = select(User).where(User.organisation_id == organisation_id, User.is_active.is_(True))
    return list(db.session.scalars(stmt.order_by(User.id)))


def coordinators() -> list[User]:
    stmt = (select(User).join(user_roles, user_roles.c.user_id == User.id).join(Role, Role.id == user_roles.c.role_id)
            .where(Role.key == "coordinator", User.is_active.is_(True)))
    return list(db.session.scalars(stmt.order_by(User.id)))


def application_url(application_id: int) -> str:
    """The application's page as a path (jobs have no request, so one is made up for url_for)."""
    if has_request_context():
        return url_for("accreditation_application.details_view", id=application_id)
    with current_app.test_request_context():
        return url_for("accreditation_application.details_view", id=application_id)


def _context(application: Application) -> dict:
    scheme = application.scheme
    return {"scheme": Localised(scheme.label), "organisation": application.organisation.legal_name,
            "number": application.id}


def transition_notice(application: Application, name: str, reason: str | None) -> None:
    """Tell the applicant organisation's users (and, for some, the coordinators) what happened."""
    state = STATES[application.state]
    context = {**_context(application), "state": state, "reason": (reason or "").strip()}
    url = application_url(application.id)
    notify(organisation_users(application.organisation_id), TITLES[name], "accreditation/transition",
           url=url, **context)
    if name in TO_COORDINATORS:
        notify(coordinators(), TO_COORDINATORS[name], "accreditation/transition", url=url, **context)


def document_uploaded_notice(document: Document) -> None:
    """A suspended accreditation got a new document: the coordinators may reactivate it."""
    application = document.application
    notify(coordinators(), _l("New document for a suspended accreditation: %(organisation)s, %(document)s"),
           "accreditation/document_uploaded", url=application_url(application.id),
           document=Localised(document.document_type.label), expiry=localised_date(document.expiry_date),
           **_context(application))


def _reminder_title(days: int):
    if days <= 0:
        return _l("%(document)s expires today: %(organisation)s")
    if days == 1:
        return _l("%(document)s expires tomorrow: %(organisation)s")
    return _l("%(document)s expires in %(days)s days: %(organisation)s")


def reminder_notice(document: Document, as_of: date) -> None:
    """Remind the organisation and the coordinators that a mandatory document is about to expire."""
    application = document.application
    days = (document.expiry_date - as_of).days
    recipients = organisation_users(application.organisation_id) + coordinators()
    notify(recipients, _reminder_title(days), "accreditation/reminder", url=application_url(application.id),
           document=Localised(document.document_type.label), days=days,
           expiry=localised_date(document.expiry_date), **_context(application))
