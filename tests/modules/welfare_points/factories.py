"""Factories of the WelfarePoints' models (registered in tests/factories.py `factories()`).

Each default row belongs to a fresh desk without operators (the authorization matrix needs "someone
else's" row); the fringe-benefit limits are reference data and are reused, never added.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import factory
from sqlalchemy import select

from app.extensions import db
from modules.partners.models import Comune
from modules.welfare_points.models import Desk, FringeBenefitLimit, Need, NeedPersonal, Referral
from tests.factories import BaseFactory
from tests.modules.catalog.factories import OfferFactory, seeded_category
from tests.modules.partners.factories import PartnerOrganisationFactory

ORISTANO = "095038"


def oristano() -> Comune:
    return db.session.get(Comune, ORISTANO)


class DeskFactory(BaseFactory):
    class Meta:
        model = Desk

    name = factory.Sequence(lambda n: f"Sportello {n}")
    host_organisation = factory.SubFactory(PartnerOrganisationFactory, type="comune")
    address = "Piazza Eleonora d'Arborea 44"
    comune = factory.LazyFunction(oristano)
    opening_hours = "Lunedì–venerdì 9:00–13:00"


class NeedFactory(BaseFactory):
    class Meta:
        model = Need

    code = factory.Sequence(lambda n: f"WP-TEST-{n:04d}")
    desk = factory.SubFactory(DeskFactory)
    category = factory.LazyFunction(seeded_category)
    comune = factory.LazyFunction(oristano)
    opened_on = date(2026, 2, 2)
    age_band = "45_64"
    household_type = "with_elderly"
    work_status = "employee"
    channel = "walk_in"
    legal_basis = "consent"
    has_consent = True
    status = "open"


class NeedPersonalFactory(BaseFactory):
    class Meta:
        model = NeedPersonal

    need = factory.SubFactory(NeedFactory)
    full_name = "Giovanna Sanna"
    email = "giovanna.sanna@example.it"
    phone = "3331234567"
    note = "Cerca assistenza per la madre."


class ReferralFactory(BaseFactory):
    class Meta:
        model = Referral

    need = factory.SubFactory(NeedFactory)
    offer = factory.SubFactory(OfferFactory)


class FringeBenefitLimitFactory(BaseFactory):
    class Meta:
        model = FringeBenefitLimit
        sqlalchemy_get_or_create = ("year",)

    year = 2025
    base_limit = Decimal("1000.00")
    children_limit = Decimal("2000.00")


def seeded_limit(year: int) -> FringeBenefitLimit | None:
    return db.session.scalar(select(FringeBenefitLimit).where(FringeBenefitLimit.year == year))


def welfare_points_factories() -> dict:
    return {Desk: DeskFactory, Need: NeedFactory, NeedPersonal: NeedPersonalFactory, Referral: ReferralFactory,
            FringeBenefitLimit: FringeBenefitLimitFactory}
