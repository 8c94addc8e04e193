"""Record rules: cooperatives and suppliers reach only their own organisation's offers, slots, closures,
occurrences and bookings."""

from sqlalchemy import select

from app.models import EXTERNAL_ROLES
from app.security import RecordRule, own_organisation

from ..models import Booking, Closure, Occurrence, Offer, Slot


def _own_offers(user):
    return select(Offer.id).where(Offer.organisation_id == user.organisation_id)


def _own_slots(user):
    return select(Slot.id).where(Slot.offer_id.in_(_own_offers(user)))


RULES = [
    own_organisation(Offer),
    RecordRule(Slot, lambda user: Slot.offer_id.in_(_own_offers(user)), EXTERNAL_ROLES),
    RecordRule(Closure, lambda user: Closure.offer_id.in_(_own_offers(user)), EXTERNAL_ROLES),
    RecordRule(Occurrence, lambda user: Occurrence.slot_id.in_(_own_slots(user)), EXTERNAL_ROLES),
    own_organisation(Booking),
]
