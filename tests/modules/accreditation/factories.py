"""Factories of the accreditation module's models (registered in tests/factories.py `factories()`).

Each default row belongs to a fresh organisation (the authorization matrix needs "someone else's"
row); reference data (schemes, document types) is reused, never added, since it survives tests.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import factory
from sqlalchemy import select

from app.extensions import db
from modules.accreditation.models import (
    AccreditationPeriod,
    Application,
    Document,
    DocumentType,
    Scheme,
    SchemeDocumentType,
    SchemeOrganisationType,
)
from modules.partners.models import OrganisationType
from tests.factories import BaseFactory, UploadFactory
from tests.modules.partners.factories import PartnerOrganisationFactory


def seeded_scheme(key: str = "local_supplier") -> Scheme:
    return db.session.scalar(select(Scheme).where(Scheme.key == key))


def seeded_document_type(key: str = "durc") -> DocumentType:
    return db.session.scalar(select(DocumentType).where(DocumentType.key == key))


class SchemeFactory(BaseFactory):
    class Meta:
        model = Scheme
        sqlalchemy_get_or_create = ("key",)

    key = "local_supplier"
    name_it = "Fornitore locale"


class DocumentTypeFactory(BaseFactory):
    class Meta:
        model = DocumentType
        sqlalchemy_get_or_create = ("key",)

    key = "durc"
    name_it = "DURC"
    validity_days = 120


class SchemeOrganisationTypeFactory(BaseFactory):
    class Meta:
        model = SchemeOrganisationType
        sqlalchemy_get_or_create = ("scheme_id", "organisation_type_id")

    scheme_id = factory.LazyFunction(lambda: seeded_scheme().id)
    organisation_type_id = factory.LazyFunction(
        lambda: db.session.scalar(select(OrganisationType.id).where(OrganisationType.key == "cooperative")))


class SchemeDocumentTypeFactory(BaseFactory):
    class Meta:
        model = SchemeDocumentType
        sqlalchemy_get_or_create = ("scheme_id", "document_type_id")

    scheme_id = factory.LazyFunction(lambda: seeded_scheme().id)
    document_type_id = factory.LazyFunction(lambda: seeded_document_type().id)


class ApplicationFactory(BaseFactory):
    class Meta:
        model = Application

    organisation = factory.SubFactory(PartnerOrganisationFactory, type="cooperative")
    scheme = factory.LazyFunction(seeded_scheme)
    state = "draft"
    expected_contract_value = Decimal("10000.00")


class DocumentFactory(BaseFactory):
    class Meta:
        model = Document

    application = factory.SubFactory(ApplicationFactory)
    organisation_id = factory.LazyAttribute(lambda o: o.application.organisation_id)
    document_type = factory.LazyFunction(seeded_document_type)
    upload = factory.SubFactory(UploadFactory, use="accreditation.document", original_name="durc.pdf",
                                content_type="application/pdf", owner_model="Application",
                                owner_id=factory.SelfAttribute("..application.id"))
    issue_date = date(2026, 1, 10)
    expiry_date = date(2026, 5, 10)


class AccreditationPeriodFactory(BaseFactory):
    class Meta:
        model = AccreditationPeriod

    application = factory.SubFactory(ApplicationFactory, state="approved", starts_on=date(2026, 1, 20),
                                     valid_until=date(2027, 1, 19))
    organisation_id = factory.LazyAttribute(lambda o: o.application.organisation_id)
    scheme_id = factory.LazyAttribute(lambda o: o.application.scheme_id)
    status = "accredited"
    starts_on = date(2026, 1, 20)
    ends_on = date(2027, 1, 19)


def accreditation_factories() -> dict:
    return {Scheme: SchemeFactory, DocumentType: DocumentTypeFactory,
            SchemeOrganisationType: SchemeOrganisationTypeFactory, SchemeDocumentType: SchemeDocumentTypeFactory,
            Application: ApplicationFactory, Document: DocumentFactory,
            AccreditationPeriod: AccreditationPeriodFactory}
