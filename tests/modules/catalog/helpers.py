"""Helpers of the catalogue's tests: an accredited cooperative with a published offer and a slot."""

from __future__ import annotations

from datetime import date, time

from modules.catalog.models import Offer, Slot
from tests.modules.accreditation.helpers import approved, coordinator
from tests.modules.catalog.factories import OfferFactory, SlotFactory

MONDAY = date(2026, 2, 2)  # a Monday while the accreditation approved on 20 Jan 2026 runs


def accredited_offer(capacity: int = 2, **values) -> tuple[Offer, Slot, object, object]:
    """A published offer of a cooperative accredited as local supplier on 20 Jan 2026, with a Monday slot.

    Returns the offer, its slot, the cooperative's user and the accreditation application."""
    application, user = approved(coordinator())
    offer = OfferFactory(organisation=application.organisation, **values)
    slot = SlotFactory(offer=offer, weekday=0, starts_at=time(9), ends_at=time(10), capacity=capacity)
    return offer, slot, user, application
