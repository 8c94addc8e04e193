"""Factories of the partners module's models (registered in tests/factories.py `factories()`).

Each default row belongs to a fresh organisation (the authorization matrix needs "someone else's"
row); reference data (comuni, organisation types) is reused, never added, since it survives tests.
"""

from __future__ import annotations

import factory

from modules.partners.models import (
    Comune,
    OrganisationContact,
    OrganisationImport,
    OrganisationType,
    PartnerOrganisation,
)
from tests.factories import BaseFactory, valid_piva


class PartnerOrganisationFactory(BaseFactory):
    class Meta:
        model = PartnerOrganisation

    legal_name = factory.Sequence(lambda n: f"Impresa {n} S.r.l.")
    type = "shop"
    partita_iva = factory.LazyFunction(valid_piva)
    codice_fiscale = factory.LazyAttribute(lambda o: o.partita_iva)
    status = "active"
    pec = factory.Sequence(lambda n: f"impresa{n}@pec.example.it")
    comune_istat = "095038"  # Oristano
    street = "Via Roma 1"
    cap = "09170"


class OrganisationContactFactory(BaseFactory):
    class Meta:
        model = OrganisationContact

    organisation = factory.SubFactory(PartnerOrganisationFactory)
    name = factory.Sequence(lambda n: f"Referente {n}")
    role = "Titolare"
    email = factory.Sequence(lambda n: f"referente{n}@example.it")
    is_primary = True


class ComuneFactory(BaseFactory):
    class Meta:
        model = Comune
        sqlalchemy_get_or_create = ("istat_code",)

    istat_code = "095018"  # Cabras


class OrganisationTypeFactory(BaseFactory):
    class Meta:
        model = OrganisationType
        sqlalchemy_get_or_create = ("key",)

    key = "other"


class OrganisationImportFactory(BaseFactory):
    class Meta:
        model = OrganisationImport

    filename = factory.Sequence(lambda n: f"organizzazioni-{n}.csv")
    status = "imported"
    issues = factory.LazyFunction(list)
    outcomes = factory.LazyFunction(list)


def partners_factories() -> dict:
    return {PartnerOrganisation: PartnerOrganisationFactory, OrganisationContact: OrganisationContactFactory,
            Comune: ComuneFactory, OrganisationType: OrganisationTypeFactory,
            OrganisationImport: OrganisationImportFactory}
