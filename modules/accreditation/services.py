"""The accreditation's business operations: applications, transitions, documents, renewals.

Every state change goes through `transition()`: it checks the workflow (as of a day), sets what the
transition decides (who submitted, who approved, the accreditation's dates), fires it (the kernel
logs and audits it), keeps the dated periods in step, notifies the applicant organisation and sends
the module's signals. The daily job (expiry.py) uses the same function with no user.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.security import AccessDenied, can, satisfies
from app.uploads import UploadRejected, replace, save_upload
from app.workflow import WorkflowError, fire
from modules.partners.models import PartnerOrganisation
from modules.partners.services import type_labels

from . import notices, periods, signals
from .dates import ONE_DAY, current_day, evaluated_on, expiry_date, period_end
from .models import (
    ACCREDITED_STATES,
    DOCUMENT_STATES,
    LIVE_INDEX,
    LIVE_STATES,
    UPLOAD_USE,
    Application,
    Document,
    DocumentType,
    Scheme,
)
from .requirements import applicable_types, current_documents

SIGNALS = {"approve": signals.approved, "suspend": signals.suspended,
           "suspend_expired_document": signals.suspended, "reactivate": signals.reactivated,
           "revoke": signals.revoked, "expire": signals.expired}
RENEWABLE_STATES = ("approved", "suspended", "expired")


class ApplicationInvalid(ValueError):
    """Refused values: `errors` maps each field to its translated message."""

    def __init__(self, errors: Mapping[str, str]):
        super().__init__(" ".join(errors.values()))
        self.errors = dict(errors)


class DocumentInvalid(ValueError):
    """A refused document; the message is translated and meant for the user."""


# Applications -----------------------------------------------------------------------------------------
def live_application(organisation_id: int, scheme_id: int, exclude_id: int | None = None) -> Application | None:
    """The organisation's application under the scheme that is still being prepared or reviewed."""
    stmt = select(Application).where(Application.organisation_id == organisation_id,
                                     Application.scheme_id == scheme_id, Application.state.in_(LIVE_STATES))
    if exclude_id is not None:
        stmt = stmt.where(Application.id != exclude_id)
    return db.session.scalars(stmt.limit(1)).first()


def previous_accreditation(organisation_id: int, scheme_id: int) -> Application | None:
    """The latest accreditation a new application under the same scheme renews."""
    stmt = select(Application).where(Application.organisation_id == organisation_id,
                                     Application.scheme_id == scheme_id, Application.state.in_(RENEWABLE_STATES))
    return db.session.scalars(stmt.order_by(Application.id.desc()).limit(1)).first()


def _check_scheme(errors: dict, application: Application, scheme: Scheme, organisation) -> None:
    if application.id is None and not scheme.is_active:
        errors["scheme"] = _("The scheme “%(scheme)s” is not open to applications.", scheme=scheme.label())
    elif organisation is not None and not scheme.accepts(organisation.type):
        kind = type_labels().get(organisation.type, organisation.type)
        errors["scheme"] = _("Organisations of type “%(type)s” cannot apply under “%(scheme)s”.",
                             type=kind, scheme=scheme.label())
    elif live_application(application.organisation_id, scheme.id, exclude_id=application.id) is not None:
        errors["scheme"] = duplicate_message(scheme)


def duplicate_message(scheme: Scheme) -> str:
    return _("This organisation already has an application in progress under “%(scheme)s”.", scheme=scheme.label())


def is_duplicate_live(exc: IntegrityError) -> bool:
    """Whether the database refused a second application in progress (PostgreSQL names the index,
    SQLite its columns)."""
    text = str(exc.orig)
    return LIVE_INDEX in text or "accreditation_applications.organisation_id" in text


def _check_amounts(errors: dict, application: Application, scheme: Scheme) -> None:
    percent = application.shared_value_percent
    if percent is not None and not scheme.requires_shared_value:
        errors["shared_value_percent"] = _("The scheme “%(scheme)s” has no shared-value percentage.",
                                           scheme=scheme.label())
    elif percent is not None and not Decimal("0") <= percent <= Decimal("100"):
        errors["shared_value_percent"] = _("The shared-value percentage must be between 0 and 100.")
    if (application.expected_contract_value or Decimal("0")) < 0:
        errors["expected_contract_value"] = _("The expected contract value cannot be negative.")


def check_application(application: Application) -> None:
    """The rules an application's data must follow when created or changed; raises ApplicationInvalid."""
    errors: dict[str, str] = {}
    scheme = db.session.get(Scheme, application.scheme_id) if application.scheme_id else None
    organisation = (db.session.get(PartnerOrganisation, application.organisation_id)
                    if application.organisation_id else None)
    if organisation is None:
        errors["organisation"] = _("Choose the organisation that applies.")
    if scheme is None:
        errors["scheme"] = _("Choose a scheme.")
    else:
        _check_scheme(errors, application, scheme, organisation)
        _check_amounts(errors, application, scheme)
    if errors:
        raise ApplicationInvalid(errors)


def prepare_new(application: Application, user) -> None:
    """What a new application gets before it is checked: its author and the accreditation it renews."""
    application.created_by_id = getattr(user, "id", None)
    if user is not None and user.is_external:
        application.organisation_id = user.organisation_id  # externals apply only for their organisation
    if application.previous_id is None and application.organisation_id and application.scheme_id:
        previous = previous_accreditation(application.organisation_id, application.scheme_id)
        application.previous_id = previous.id if previous is not None else None


def create_application(organisation_id: int, scheme: Scheme, user, commit: bool = True, **values) -> Application:
    """Create a draft application (the API, the demo and tests use it; the admin form does the same)."""
    if user is not None and not can(user, Application, "create"):
        raise AccessDenied(Application.__name__, "create")
    application = Application(organisation_id=organisation_id, scheme_id=scheme.id, state="draft", **values)
    prepare_new(application, user)
    check_application(application)
    db.session.add(application)
    try:
        db.session.flush()
    except IntegrityError as exc:  # another application in progress was saved meanwhile
        db.session.rollback()
        if not is_duplicate_live(exc):
            raise
        raise ApplicationInvalid({"scheme": duplicate_message(scheme)}) from exc
    if user is not None and not satisfies(application, "create", user):
        db.session.rollback()
        raise AccessDenied(Application.__name__, "create")
    if commit:
        db.session.commit()
    return application


def renew(application: Application, user) -> Application:
    """A new draft application linked to `application`, with the same terms to start from."""
    if application.state not in RENEWABLE_STATES:
        raise WorkflowError(_("Only an approved, suspended or expired accreditation can be renewed."))
    return create_application(application.organisation_id, application.scheme, user,
                              previous_id=application.id,
                              shared_value_percent=application.shared_value_percent,
                              expected_contract_value=application.expected_contract_value)


# Transitions -----------------------------------------------------------------------------------------
def _accreditation_start(application: Application, on: date) -> date:
    """A renewal approved while the previous accreditation runs starts the day after it ends."""
    previous = application.previous
    if previous is not None and previous.state in ACCREDITED_STATES and previous.valid_until:
        return max(on, previous.valid_until + ONE_DAY)
    return on


def _decide(application: Application, name: str, user, on: date) -> None:
    """Set what the transition decides; done before firing, since a final state is read-only."""
    now = datetime.now(UTC)
    if name == "submit":
        application.submitted_by_id, application.submitted_at = getattr(user, "id", None), now
    elif name in ("approve", "reject"):
        application.decided_by_id, application.decided_at = getattr(user, "id", None), now
    if name == "approve":
        application.starts_on = _accreditation_start(application, on)
        application.valid_until = period_end(application.starts_on, application.scheme.period_months)


def transition(application: Application, name: str, user, reason: str | None = None, on: date | None = None,
               commit: bool = True) -> None:
    """Fire transition `name` as `user` (None: the daily job), taking effect on `on` (default today).

    Raises WorkflowError with a translated message when the transition is not allowed."""
    on = on or current_day()
    with evaluated_on(on):
        Application.__workflow__.check(application, name, user, reason)
        _decide(application, name, user, on)
        fire(application, name, user, reason=reason, commit=False)
    periods.record_transition(application, name, on)
    notices.transition_notice(application, name, reason)
    if name in SIGNALS:
        SIGNALS[name].send(application, organisation_id=application.organisation_id,
                           scheme_key=application.scheme.key, on=on, reason=reason)
    if commit:
        db.session.commit()


# Documents -------------------------------------------------------------------------------------------
def _document_type(application: Application, document_type_id) -> DocumentType:
    for kind in applicable_types(application):
        if str(kind.id) == str(document_type_id):
            return kind
    raise DocumentInvalid(_("This document type is not asked for by the scheme of this application."))


def _check_may_add(application: Application, user) -> None:
    if application.state not in DOCUMENT_STATES:
        raise DocumentInvalid(_("Documents cannot be added to an application in the state “%(state)s”.",
                                state=application.state_label))
    if user is not None and not can(user, Document, "create"):
        raise AccessDenied(Document.__name__, "create")


def _expiry(kind: DocumentType, issue_date: date, on: date) -> date:
    if issue_date > on:
        raise DocumentInvalid(_("The issue date cannot be in the future."))
    expiry = expiry_date(issue_date, kind.validity_days, kind.validity_months)
    if expiry < on:
        raise DocumentInvalid(_("A document issued on that date has already expired: upload a more recent one."))
    return expiry


def _store(application: Application, current: Document | None, file, filename: str | None, user):
    try:
        if current is not None:
            return replace(current.upload, file, filename=filename, user=user)
        return save_upload(UPLOAD_USE, file, filename=filename, owner=application, user=user)
    except UploadRejected as exc:  # nothing was stored: the file is removed as soon as it is refused
        raise DocumentInvalid(str(exc)) from exc


def add_document(application: Application, document_type_id, issue_date: date, file, user,
                 filename: str | None = None, on: date | None = None) -> Document:
    """Store a document for the application; one of a type it already has replaces it (kept as history).

    Raises DocumentInvalid (wrong type, dates, file) with a translated message, or AccessDenied."""
    on = on or current_day()
    _check_may_add(application, user)
    kind = _document_type(application, document_type_id)
    expiry = _expiry(kind, issue_date, on)
    current = current_documents(application).get(kind.id)
    upload = _store(application, current, file, filename, user)
    document = Document(application_id=application.id, organisation_id=application.organisation_id,
                        document_type_id=kind.id, upload_id=upload.id, issue_date=issue_date,
                        expiry_date=expiry, previous_id=current.id if current else None,
                        uploaded_by_id=getattr(user, "id", None))
    db.session.add(document)
    db.session.flush()
    if user is not None and not satisfies(document, "create", user):
        db.session.rollback()
        raise AccessDenied(Document.__name__, "create")
    if current is not None:
        current.replaced_by_id = document.id
    if application.state == "suspended":
        notices.document_uploaded_notice(document)
    db.session.commit()
    return document


def document_history(document: Document) -> list[Document]:
    """Every version of a document, newest first."""
    versions, current = [], document
    while current is not None:
        versions.append(current)
        current = db.session.get(Document, current.previous_id) if current.previous_id else None
    return versions
