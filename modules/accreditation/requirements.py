"""What an application needs: the document types that apply to it and what is missing or not valid."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import select

from app.extensions import db
from app.settings import get_setting

from .dates import current_day
from .models import Application, Document, DocumentType


def contract_value_threshold() -> Decimal:
    return get_setting("accreditation.contract_value_threshold")


def reminder_days() -> int:
    return get_setting("accreditation.reminder_days")


def applies_to(document_type: DocumentType, application: Application) -> bool:
    """Whether the scheme's `document_type` is asked of this application (its condition included)."""
    if not document_type.is_active:
        return False
    if document_type.above_threshold_only:
        return (application.expected_contract_value or Decimal("0")) > contract_value_threshold()
    return True


def applicable_types(application: Application) -> list[DocumentType]:
    return [kind for kind in application.scheme.document_types if applies_to(kind, application)]


def required_types(application: Application) -> list[DocumentType]:
    return [kind for kind in applicable_types(application) if kind.is_mandatory]


def current_documents(application: Application) -> dict[int, Document]:
    """The current (not replaced) document of each type, by document type id."""
    stmt = select(Document).where(Document.application_id == application.id, Document.replaced_by_id.is_(None))
    return {document.document_type_id: document for document in db.session.scalars(stmt)}


def document_problem(kind: DocumentType, document: Document | None, day: date) -> str | None:
    if document is None:
        return _("Missing document: %(name)s.", name=kind.label())
    if day > document.expiry_date:
        return _("Expired document: %(name)s (expired on %(date)s).", name=kind.label(),
                 date=format_date(document.expiry_date))
    if day < document.issue_date:
        return _("Document not yet issued on %(date)s: %(name)s.", name=kind.label(), date=format_date(day))
    return None


def problems(application: Application, day: date | None = None) -> list[str]:
    """Why the application cannot be submitted, approved or reactivated on `day` (empty: nothing)."""
    day = day or current_day()
    found = []
    if application.scheme.requires_shared_value and application.shared_value_percent is None:
        found.append(_("The shared-value percentage is required."))
    documents = current_documents(application)
    for kind in required_types(application):
        problem = document_problem(kind, documents.get(kind.id), day)
        if problem:
            found.append(problem)
    return found
