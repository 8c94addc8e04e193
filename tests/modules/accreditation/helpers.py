"""Helpers of the accreditation tests: organisations with their users, files, applications in a state."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from app.extensions import db
from app.models import Organisation
from modules.accreditation import services
from modules.accreditation.models import Application, DocumentType, Scheme
from modules.accreditation.requirements import required_types
from tests.factories import make_user
from tests.modules.partners.factories import PartnerOrganisationFactory

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + bytes(48) + b"This program cannot be run"
ROLE_FOR_SCHEME = {"provider": ("provider", "provider"), "local_supplier": ("cooperative", "cooperative")}


def scheme(key: str = "local_supplier") -> Scheme:
    return db.session.scalar(select(Scheme).where(Scheme.key == key))


def seeded_type(key: str = "durc") -> DocumentType:
    return db.session.scalar(select(DocumentType).where(DocumentType.key == key))


def pdf(name: str = "documento.pdf", data: bytes = PDF) -> FileStorage:
    return FileStorage(io.BytesIO(data), filename=name)


def applicant(scheme_key: str = "local_supplier", legal_name: str | None = None):
    """An organisation of a type the scheme accepts and one of its users (provider or cooperative)."""
    role, kind = ROLE_FOR_SCHEME[scheme_key]
    extra = {"legal_name": legal_name} if legal_name else {}
    organisation = PartnerOrganisationFactory(type=kind, **extra)
    user = make_user(role, organisation=db.session.get(Organisation, organisation.id))
    return organisation, user


def draft(scheme_key: str = "local_supplier", user=None, legal_name: str | None = None,
          **values) -> tuple[Application, object]:
    """A draft application made by an applicant's user, as the admin form would."""
    if user is None:
        _organisation, user = applicant(scheme_key, legal_name)
    if scheme_key == "provider":
        values.setdefault("shared_value_percent", Decimal("2.5"))
    application = services.create_application(user.organisation_id, scheme(scheme_key), user, **values)
    return application, user


def upload_required(application: Application, user, issued: date, on: date | None = None,
                    overrides: dict[str, date] | None = None) -> None:
    """Upload every mandatory document, issued on `issued` unless `overrides` names another date."""
    overrides = overrides or {}
    for kind in required_types(application):
        services.add_document(application, kind.id, overrides.get(kind.key, issued), pdf(f"{kind.key}.pdf"),
                              user, on=on or overrides.get(kind.key, issued))


def submitted(scheme_key: str = "local_supplier", issued: date = date(2026, 1, 10), on: date | None = None,
              **values) -> tuple[Application, object]:
    application, user = draft(scheme_key, **values)
    upload_required(application, user, issued)
    services.transition(application, "submit", user, on=on or issued)
    return application, user


def approved(coordinator, scheme_key: str = "local_supplier", issued: date = date(2026, 1, 10),
             on: date = date(2026, 1, 20), overrides: dict[str, date] | None = None, **values):
    """An application approved on `on` by `coordinator`, its documents issued on `issued`."""
    application, user = draft(scheme_key, **values)
    upload_required(application, user, issued, overrides=overrides)
    services.transition(application, "submit", user, on=on)
    services.transition(application, "start_review", coordinator, on=on)
    services.transition(application, "approve", coordinator, on=on)
    return application, user


def coordinator(**kwargs):
    return make_user("coordinator", **kwargs)
