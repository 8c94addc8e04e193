"""The WelfarePoints' business rules: recording a need with its personal data kept apart, referring it to
offers and booking them through the catalogue, closing it with an outcome, erasing personal data after
the retention period, and the fringe-benefit check of art. 51 c.3 TUIR. The only place that commits."""

from __future__ import annotations

import secrets
from calendar import monthrange
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _
from sqlalchemy import select

from app.dates import ROME, now, today  # noqa: F401 - now: services.now(), like services.today()
from app.extensions import db
from app.money import to_decimal
from app.security import satisfies
from app.settings import get_setting
from app.workflow import WorkflowError, fire
from modules.catalog import services as catalog
from modules.catalog.models import Booking, Offer, Slot

from .models import (
    AGE_BANDS,
    CHANNELS,
    CLOSED_STATES,
    HOUSEHOLD_TYPES,
    LEGAL_BASES,
    NEED_WORKFLOW,
    OUTCOMES,
    WORK_STATUSES,
    Desk,
    FringeBenefitLimit,
    Need,
    NeedPersonal,
    Referral,
)

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud at a desk
ANONYMOUS_FIELDS = ("desk", "desk_id", "category", "category_id", "comune", "comune_id", "opened_on", "age_band",
                    "household_type", "work_status", "channel", "legal_basis", "has_consent")
PERSONAL_FIELDS = ("full_name", "email", "phone", "note")
CHOICES = {"age_band": AGE_BANDS, "household_type": HOUSEHOLD_TYPES, "work_status": WORK_STATUSES,
           "channel": CHANNELS, "legal_basis": LEGAL_BASES}


class NeedRefused(ValueError):
    """A change to a need that cannot be made; the message is translated and meant for the user."""


# Recording ----------------------------------------------------------------------------------------------
def new_code() -> str:
    """A case code to read aloud or write on a booking instead of the person's name, e.g. WP-7K2M-Q9TD."""
    while True:
        raw = "".join(secrets.choice(CODE_ALPHABET) for _n in range(8))
        code = f"WP-{raw[:4]}-{raw[4:]}"
        if db.session.scalar(select(Need.id).where(Need.code == code)) is None:
            return code


def _clean_personal(personal: dict) -> dict:
    return {name: (personal.get(name) or "").strip() or None for name in PERSONAL_FIELDS}


def _check(values: dict, personal: dict) -> None:
    for name, choices in CHOICES.items():
        if values.get(name) not in choices:
            raise NeedRefused(_("Choose a value for “%(field)s”.", field=Need.__table__.c[name].info["label"]))
    if values["legal_basis"] == "consent" and not values.get("has_consent"):
        raise NeedRefused(_("The legal basis is the person's consent: record that they gave it."))
    if (personal["full_name"] or personal["email"] or personal["phone"]) and not values.get("legal_basis"):
        raise NeedRefused(_("Record the legal basis before keeping the person's name and contacts."))


def _apply(need: Need, values: dict, personal: dict) -> None:
    for name in ANONYMOUS_FIELDS:
        if values.get(name) is not None:
            setattr(need, name, values[name])
    desk = need.desk or (db.session.get(Desk, need.desk_id) if need.desk_id else None)
    if desk is None or (need.category is None and need.category_id is None):
        raise NeedRefused(_("Choose the desk and the category of the need."))
    if need.comune is None and need.comune_id is None:
        need.comune_id = desk.comune_id  # the person lives where the desk is unless told otherwise
    if need.has_consent and need.consent_at is None:
        need.consent_at = datetime.now(UTC)
    if not need.has_consent:
        need.consent_at = None
    if any(personal.values()):
        need.personal = need.personal or NeedPersonal()
        for name, value in personal.items():
            setattr(need.personal, name, value)
    elif need.personal is not None:
        need.personal = None  # an orphan: deleted


def record_need(user, values: dict, personal: dict | None = None) -> Need:
    """Record a need at one of the user's desks: anonymous fields on the need, personal data apart. Commits."""
    personal = _clean_personal(personal or {})
    _check(values, personal)
    need = Need(code=new_code(), status=NEED_WORKFLOW.initial, recorded_by_id=getattr(user, "id", None),
                opened_on=today())
    db.session.add(need)
    return _save(need, user, "create", values, personal)


def update_need(need: Need, user, values: dict, personal: dict | None = None) -> Need:
    """Correct a need that is still open; a closed case is read-only. Commits."""
    if need.is_closed:
        raise NeedRefused(_("This case is closed and can no longer be changed."))
    personal = _clean_personal(personal or {})
    _check(values, personal)
    return _save(need, user, "write", values, personal)


def _save(need: Need, user, op: str, values: dict, personal: dict) -> Need:
    """Apply the values, check the need stays at one of the user's desks (`op` create or write), commit."""
    try:
        with db.session.no_autoflush:
            _apply(need, values, personal)
    except NeedRefused:
        db.session.rollback()
        raise
    db.session.flush()
    if not satisfies(need, op, user):
        db.session.rollback()
        raise NeedRefused(_("You can record needs only at your own desks."))
    db.session.commit()
    return need


# Referral and booking -------------------------------------------------------------------------------------
def referable_offers(need: Need, day: date) -> list[Offer]:
    """The catalogue's offers on `day`, those of the need's category first."""
    offers = catalog.public_offers(day)
    return sorted(offers, key=lambda offer: (offer.category_id != need.category_id, offer.title_it, offer.id))


def _open(need: Need) -> None:
    if need.is_closed:
        raise NeedRefused(_("This case is closed and can no longer be changed."))


def refer(need: Need, offer_ids: Sequence[int], user, day: date) -> list[Referral]:
    """Refer the need to offers of the public catalogue (each once); the case becomes “referred”. Commits."""
    _open(need)
    public = {offer.id: offer for offer in catalog.public_offers(day)}
    if not offer_ids or any(offer_id not in public for offer_id in offer_ids):
        raise NeedRefused(_("Choose one or more offers of the catalogue."))
    already = {referral.offer_id for referral in need.referrals}
    added = [Referral(need=need, offer_id=offer_id, referred_by_id=getattr(user, "id", None))
             for offer_id in dict.fromkeys(offer_ids) if offer_id not in already]
    db.session.add_all(added)
    if need.status == "open":
        fire(need, "refer", user, commit=False)
    db.session.commit()
    return added


def _identity(need: Need, with_name: bool) -> dict:
    if not with_name:
        return {"anonymous_code": need.code}
    if not (need.has_consent and need.personal and need.personal.full_name):
        raise NeedRefused(_("To book with the person's name, record their name and their consent first; "
                            "otherwise book with the case code."))
    return {"citizen_name": need.personal.full_name, "citizen_email": need.personal.email,
            "citizen_phone": need.personal.phone, "has_consent": True, "anonymous_code": need.code}


def book(referral: Referral, slot: Slot, day: date, user, on: date, with_name: bool = False) -> Booking:
    """Book `slot` on `day` for the referral's person through the catalogue (never overbooks: raises
    catalog's BookingRefused when the slot is full, or has started by `on`, a moment: now()). Commits."""
    _open(referral.need)
    if slot.offer_id != referral.offer_id:
        raise NeedRefused(_("This time belongs to another offer."))
    if referral.booking is not None and referral.booking.status == "confirmed":
        raise NeedRefused(_("This referral already has a booking: cancel it first to choose another time."))
    booking = catalog.book(slot, day, user, on, **_identity(referral.need, with_name))
    referral.booking_id = booking.id
    db.session.commit()
    return booking


def cancel_booking(referral: Referral) -> None:
    """Cancel the referral's booking and free the place (the referral stays). Commits."""
    _open(referral.need)
    if referral.booking is not None:
        catalog.cancel(referral.booking)


# Follow-up ---------------------------------------------------------------------------------------------
def close(need: Need, transition: str, user, outcome: str | None, reason: str | None = None) -> None:
    """Close the case as resolved or not resolved, with its outcome. Commits."""
    if transition not in ("resolve", "not_resolve"):
        raise NeedRefused(_("Unknown action."))
    if outcome not in OUTCOMES:
        raise NeedRefused(_("Choose the outcome of the case."))
    NEED_WORKFLOW.check(need, transition, user, reason)  # refuse before changing anything
    need.outcome, need.closed_at = outcome, datetime.now(UTC)
    try:
        fire(need, transition, user, reason=reason)
    except WorkflowError:
        db.session.rollback()
        raise


# Retention -----------------------------------------------------------------------------------------------
def months_before(day: date, months: int) -> date:
    """The same day `months` months earlier, clamped to the month's end (31 Aug - 6 = 28/29 Feb)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, monthrange(year, month + 1)[1]))


def retention_cutoff(as_of: date) -> datetime:
    """Cases closed before this instant (midnight, Rome time) have outlived the retention period."""
    start = months_before(as_of, get_setting("welfare_points.retention_months"))
    return datetime.combine(start, time(0), tzinfo=ROME).astimezone(UTC)


def due_for_erasure(as_of: date) -> list[int]:
    stmt = (select(Need.id).where(Need.status.in_(CLOSED_STATES), Need.closed_at < retention_cutoff(as_of),
                                  Need.personal_erased_at.is_(None)).order_by(Need.id))
    return list(db.session.scalars(stmt))


def erase_personal_data(need: Need, at: datetime | None = None) -> None:
    """Erase who the person of a closed case is (personal row, names on its bookings), keep the anonymous
    fields and mark the case with the date. Audited without values. Commits."""
    at = at or datetime.now(UTC)
    if need.personal is not None:
        db.session.delete(need.personal)
    for referral in need.referrals:
        if referral.booking is not None:
            catalog.forget_citizen(referral.booking, need.code)
    _mark_erased(need, at)
    db.session.commit()
    db.session.expire(need)


def _mark_erased(need: Need, at: datetime) -> None:
    need.personal_erased_at = at  # the one field a closed case may still change (Need.__final_writable__)


def erase_expired(as_of: date, progress=None) -> int:
    """Erase the personal data of every case closed before the retention cutoff of `as_of`; idempotent."""
    due = due_for_erasure(as_of)
    for done, need_id in enumerate(due, start=1):
        erase_personal_data(db.session.get(Need, need_id))
        if progress:
            progress(done, len(due))
    return len(due)


# For the observatory -------------------------------------------------------------------------------------
def anonymous_needs(start: date, end: date) -> list[dict]:
    """The anonymous fields of the needs recorded from `start` to `end` (never who the person is)."""
    columns = [Need.id, Need.opened_on, Need.category_id, Need.comune_id, Need.age_band, Need.household_type,
               Need.work_status, Need.channel, Need.status, Need.outcome, Need.desk_id]
    rows = db.session.execute(select(*columns).where(Need.opened_on.between(start, end)).order_by(Need.id))
    return [dict(row._mapping) for row in rows]


# Fringe benefits (art. 51 c.3 TUIR) -----------------------------------------------------------------------
class NoLimits(LookupError):
    """No fringe-benefit limits are recorded for the year; the message is translated."""


@dataclass(frozen=True)
class FringeCheck:
    year: int
    received: Decimal
    new_amount: Decimal
    total: Decimal
    limit: Decimal
    has_children: bool
    legal_reference: str

    @property
    def is_over(self) -> bool:
        """Above the limit the WHOLE amount is taxable, not only the excess."""
        return self.total > self.limit

    @property
    def taxable(self) -> Decimal:
        return self.total if self.is_over else Decimal("0.00")

    @property
    def headroom(self) -> Decimal:
        return max(self.limit - self.total, Decimal("0.00"))


def fringe_limit(year: int) -> FringeBenefitLimit | None:
    return db.session.scalar(select(FringeBenefitLimit).where(FringeBenefitLimit.year == year))


def parse_amount(text: str) -> Decimal:
    """An amount typed the Italian way ("1.234,56") or plainly ("1234.56"): euros and cents, not negative."""
    try:
        amount = to_decimal(text, strict=True)
    except (ValueError, InvalidOperation):
        raise ValueError(_("“%(text)s” is not an amount: write it like 1.234,56.", text=text.strip())) from None
    if amount < 0:
        raise ValueError(_("Amounts cannot be negative."))
    return amount.quantize(Decimal("0.01"))


def parse_amounts(text: str) -> list[Decimal]:
    """Amounts one per line (or separated by “;”)."""
    parts = [part.strip() for line in (text or "").splitlines() for part in line.split(";")]
    return [parse_amount(part) for part in parts if part]


def check_fringe(year: int, received: Sequence[Decimal], new_amount: Decimal, has_children: bool) -> FringeCheck:
    """The year's fringe benefits with the new one against the limit; raises NoLimits for a year without data."""
    limits = fringe_limit(year)
    if limits is None:
        raise NoLimits(_("No fringe-benefit limit is recorded for %(year)s: a coordinator can add it under "
                         "WelfarePoints › Fringe-benefit limits.", year=year))
    already = sum(received, Decimal("0.00"))
    return FringeCheck(year=year, received=already, new_amount=new_amount, total=already + new_amount,
                       limit=limits.children_limit if has_children else limits.base_limit,
                       has_children=has_children, legal_reference=limits.legal_reference)
