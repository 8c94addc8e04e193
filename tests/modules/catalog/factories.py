"""Factories of the catalogue's models (registered in tests/factories.py `factories()`).

Each default row belongs to a fresh organisation (the authorization matrix needs "someone else's" row);
categories are reference data and are reused, never added.
"""

from __future__ import annotations

from datetime import date, time, timedelta
from decimal import Decimal

import factory
from sqlalchemy import select

from app.extensions import db
from modules.catalog.models import Booking, Category, Closure, Occurrence, Offer, Slot
from tests.factories import BaseFactory
from tests.modules.partners.factories import PartnerOrganisationFactory


def seeded_category(key: str = "elderly_care") -> Category:
    return db.session.scalar(select(Category).where(Category.key == key))


class CategoryFactory(BaseFactory):
    class Meta:
        model = Category
        sqlalchemy_get_or_create = ("key",)

    key = "elderly_care"
    name_it = "Assistenza anziani"
    name_en = "Elderly care"


class OfferFactory(BaseFactory):
    class Meta:
        model = Offer

    organisation = factory.SubFactory(PartnerOrganisationFactory, type="cooperative")
    category = factory.LazyFunction(lambda: seeded_category() or CategoryFactory())
    title_it = factory.Sequence(lambda n: f"Assistenza domiciliare {n}")
    description_it = "Assistenza a domicilio per persone anziane."
    price_from = Decimal("25.00")
    is_welfare_eligible = True
    welfare_rule = "art. 51 c.2 lett. f-bis TUIR"
    valid_from = date(2026, 1, 1)
    status = "published"


class SlotFactory(BaseFactory):
    class Meta:
        model = Slot

    offer = factory.SubFactory(OfferFactory)
    weekday = 0
    starts_at = time(9, 0)
    ends_at = time(10, 0)
    capacity = 2


class ClosureFactory(BaseFactory):
    class Meta:
        model = Closure

    offer = factory.SubFactory(OfferFactory)
    day = date(2026, 12, 8)
    reason = "Immacolata"


class OccurrenceFactory(BaseFactory):
    class Meta:
        model = Occurrence

    slot = factory.SubFactory(SlotFactory)
    day = factory.Sequence(lambda n: date(2026, 11, 30) + timedelta(weeks=n))
    booked = 1


class BookingFactory(BaseFactory):
    class Meta:
        model = Booking

    occurrence = factory.SubFactory(OccurrenceFactory)
    offer = factory.LazyAttribute(lambda o: o.occurrence.slot.offer)
    organisation_id = factory.LazyAttribute(lambda o: o.occurrence.slot.offer.organisation_id)
    day = factory.LazyAttribute(lambda o: o.occurrence.day)
    citizen_name = "Maria Rossi"
    citizen_email = "maria.rossi@example.it"
    has_consent = True
    status = "confirmed"


def catalog_factories() -> dict:
    return {Category: CategoryFactory, Offer: OfferFactory, Slot: SlotFactory, Closure: ClosureFactory,
            Occurrence: OccurrenceFactory, Booking: BookingFactory}
