"""Home widgets: what waits for the coordinators, and what an applicant organisation still has to do."""

from __future__ import annotations

from flask import url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.admin import Widget

from . import portal
from .dates import current_day

INTERNAL = ("coordinator",)
APPLICANTS = ("provider", "cooperative")


def _details(application_id: int) -> str:
    return url_for("accreditation_application.details_view", id=application_id)


def _to_review(user):
    rows = portal.waiting_for_review(user)
    items = [{"text": f"{a.organisation.legal_name} — {a.scheme.label()} ({a.state_label})", "url": _details(a.id)}
             for a in rows]
    return {"items": items, "empty": _("No application is waiting for review.")}


def _expiring(user):
    rows = portal.expiring_documents(user, current_day())
    items = [{"text": _("%(document)s of %(organisation)s expires on %(date)s", document=d.document_type.label(),
                        organisation=d.organisation.legal_name, date=format_date(d.expiry_date)),
              "url": _details(d.application_id)} for d in rows]
    return {"items": items, "empty": _("No document expires in the coming days.")}


def _my_accreditation(user):
    items = [{"text": text, "url": _details(application.id)}
             for text, application in portal.applicant_items(user, current_day())]
    if not items:
        items = [{"text": _("Apply for accreditation"), "url": url_for("accreditation_application.create_view")}]
    return {"items": items, "empty": ""}


def register(admin) -> None:
    admin.add_widget(Widget("accreditation.mine", _l("My accreditation"), _my_accreditation, roles=APPLICANTS,
                            order=25))
    admin.add_widget(Widget("accreditation.to_review", _l("Applications waiting for review"), _to_review,
                            roles=INTERNAL, order=30))
    admin.add_widget(Widget("accreditation.expiring", _l("Documents expiring soon"), _expiring, roles=INTERNAL,
                            order=31))
