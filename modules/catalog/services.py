"""The catalogue's business rules: what the public sees, free places, booking without overbooking,
cancellation (also by the citizen through a signed link), reminders and the organisations' agenda.

Booking takes a place with one conditional UPDATE on the slot's occurrence row
(``booked = booked + 1 WHERE booked < capacity``): the database serialises two operators booking the
last place at once (PostgreSQL row lock, SQLite database lock), so one of them gets 0 rows and a refusal.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from flask import current_app, has_request_context, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.notify import absolute_url, send_email
from app.settings import get_setting
from app.uploads import Upload, save_upload, uploads_of
from modules.accreditation import accredited_organisation_ids, is_accredited

from .dates import ROME
from .models import PHOTO_USE, Booking, Category, Closure, Occurrence, Offer, Slot, offer_comuni

SCHEME = "local_supplier"
CANCEL_SALT = "catalog.cancel"
AGENDA_SALT = "catalog.agenda"


class BookingRefused(ValueError):
    """A booking that cannot be made; the message is translated and meant for the user."""


@dataclass(frozen=True)
class Opening:
    """A slot on a given day and how many places are still free."""

    slot: Slot
    day: date
    free: int


# What the public sees ---------------------------------------------------------------------------------
def _public_clause(day: date):
    listed = accredited_organisation_ids(SCHEME, day)
    return (Offer.status == "published", Offer.is_listed.is_(True), Offer.organisation_id.in_(listed),
            Offer.valid_from <= day, (Offer.valid_to.is_(None)) | (Offer.valid_to >= day))


def public_offers(day: date, category_key: str | None = None, comune_id: str | None = None,
                  welfare: bool | None = None, text: str | None = None) -> list[Offer]:
    """Published offers of organisations accredited as local suppliers on `day`, filtered."""
    stmt = select(Offer).join(Category, Category.id == Offer.category_id).where(*_public_clause(day))
    if category_key:
        stmt = stmt.where(Category.key == category_key)
    if comune_id:
        stmt = stmt.where(Offer.id.in_(select(offer_comuni.c.offer_id).where(offer_comuni.c.comune_id == comune_id)))
    if welfare is not None:
        stmt = stmt.where(Offer.is_welfare_eligible.is_(welfare))
    if text:
        pattern = f"%{text.strip()}%"
        stmt = stmt.where(Offer.title_it.ilike(pattern) | Offer.description_it.ilike(pattern)
                          | Offer.title_en.ilike(pattern))
    return list(db.session.scalars(stmt.order_by(Offer.title_it, Offer.id)))


def public_offer(offer_id: int, day: date) -> Offer | None:
    return db.session.scalar(select(Offer).where(Offer.id == offer_id, *_public_clause(day)))


def is_bookable(offer: Offer, day: date) -> bool:
    """Whether the agenda takes bookings for the offer on `day` (the supplier accredited that day)."""
    return (offer.status == "published" and offer.is_listed and offer.valid_from <= day
            and (offer.valid_to is None or day <= offer.valid_to)
            and is_accredited(offer.organisation_id, SCHEME, day))


def categories() -> list[Category]:
    return list(db.session.scalars(select(Category).where(Category.is_active.is_(True))
                                   .order_by(Category.sort_order, Category.id)))


# Free places ------------------------------------------------------------------------------------------
def _closed_days(offer_id: int, start: date, end: date) -> set[date]:
    stmt = select(Closure.day).where(Closure.offer_id == offer_id, Closure.day.between(start, end))
    return set(db.session.scalars(stmt))


def _booked(slot_ids: list[int], start: date, end: date) -> dict[tuple[int, date], int]:
    stmt = select(Occurrence).where(Occurrence.slot_id.in_(slot_ids), Occurrence.day.between(start, end))
    return {(row.slot_id, row.day): row.booked for row in db.session.scalars(stmt)}


def openings(offer: Offer, start: date, days: int | None = None, only_free: bool = True) -> list[Opening]:
    """The offer's slots from `start` for `days` days (the booking horizon setting by default),
    closures left out, with their free places. When `start` is a moment (a datetime), the slots of that day
    that have already started are left out too."""
    first, started = _day_and_time(start)
    days = days or get_setting("catalog.booking_horizon_days")
    end = first + timedelta(days=days - 1)
    closed, slots = _closed_days(offer.id, first, end), list(offer.slots)
    booked = _booked([slot.id for slot in slots], first, end)
    found = []
    for day in (first + timedelta(days=n) for n in range(days)):
        if day in closed or not is_bookable(offer, day):
            continue
        for slot in (s for s in slots if s.runs_on(day) and not (day == first and _has_started(s, started))):
            free = slot.capacity - booked.get((slot.id, day), 0)
            if free > 0 or not only_free:
                found.append(Opening(slot, day, max(free, 0)))
    return found


def _day_and_time(moment: date) -> tuple[date, time | None]:
    """A day, or a moment in Rome (a datetime) as its day and time of day."""
    if isinstance(moment, datetime):
        local = moment.astimezone(ROME) if moment.tzinfo else moment
        return local.date(), local.time().replace(tzinfo=None)
    return moment, None


def _has_started(slot: Slot, now: time | None) -> bool:
    return now is not None and slot.starts_at <= now


# Booking ----------------------------------------------------------------------------------------------
def _check_bookable(slot: Slot, day: date, now: date) -> None:
    today, started = _day_and_time(now)
    if day < today:
        raise BookingRefused(_("This date has already passed."))
    if day == today and _has_started(slot, started):
        raise BookingRefused(_("This time has already started: choose a later one."))
    if not slot.runs_on(day) or db.session.scalar(
            select(Closure.id).where(Closure.offer_id == slot.offer_id, Closure.day == day)):
        raise BookingRefused(_("The offer is not available at that time."))
    if not is_bookable(slot.offer, day):
        raise BookingRefused(_("The offer is not in the agenda on that day: the supplier is not accredited."))


def _occurrence_id(slot: Slot, day: date) -> int:
    """The occurrence row of the slot on that day, created once (two creators: the unique key decides)."""
    stmt = select(Occurrence.id).where(Occurrence.slot_id == slot.id, Occurrence.day == day)
    found = db.session.scalar(stmt)
    if found is not None:
        return found
    try:
        with db.session.begin_nested():
            occurrence = Occurrence(slot_id=slot.id, day=day, booked=0)
            db.session.add(occurrence)
        return occurrence.id
    except IntegrityError:
        return db.session.scalar(stmt)


def _take_place(occurrence_id: int, capacity: int) -> None:
    taken = db.session.execute(update(Occurrence).where(Occurrence.id == occurrence_id,
                                                        Occurrence.booked < capacity)
                               .values(booked=Occurrence.booked + 1).execution_options(synchronize_session=False))
    if taken.rowcount != 1:
        db.session.rollback()
        raise BookingRefused(_("This slot is full: no place is left. Choose another time."))


def _citizen(values: dict) -> dict:
    name, code = (values.get("citizen_name") or "").strip(), (values.get("anonymous_code") or "").strip()
    if not name and not code:
        raise BookingRefused(_("Enter the citizen's name or an anonymous code."))
    if name and not values.get("has_consent"):
        raise BookingRefused(_("Record the citizen's consent before booking with their name and contacts."))
    if not name:
        return {"anonymous_code": code}
    return {"citizen_name": name, "citizen_email": (values.get("citizen_email") or "").strip() or None,
            "citizen_phone": (values.get("citizen_phone") or "").strip() or None, "has_consent": True,
            "consent_at": datetime.now(UTC), "anonymous_code": code or None}


def book(slot: Slot, day: date, user, now: date, **citizen) -> Booking:
    """Book a place in `slot` on `day` for a citizen; never more bookings than places. Commits.

    `now` is the present moment in Rome (dates.now()): a slot that has started is no longer bookable; a plain
    day compares days only."""
    identity = _citizen(citizen)
    _check_bookable(slot, day, now)
    occurrence_id = _occurrence_id(slot, day)
    _take_place(occurrence_id, slot.capacity)
    booking = Booking(occurrence_id=occurrence_id, offer_id=slot.offer_id, organisation_id=slot.offer.organisation_id,
                      day=day, booked_by_id=getattr(user, "id", None), status="confirmed", **identity)
    db.session.add(booking)
    db.session.commit()
    _confirm(booking)
    return booking


def cancel(booking: Booking) -> None:
    """Cancel a booking and free its place. Commits; cancelling twice changes nothing."""
    if booking.status == "cancelled":
        return
    db.session.execute(update(Occurrence).where(Occurrence.id == booking.occurrence_id, Occurrence.booked > 0)
                       .values(booked=Occurrence.booked - 1).execution_options(synchronize_session=False))
    booking.status, booking.cancelled_at = "cancelled", datetime.now(UTC)
    db.session.commit()


def forget_citizen(booking: Booking, code: str) -> None:
    """Erase the citizen's name and contacts from a booking, which stays under the anonymous `code`
    (the retention of the module that booked it decides when). Audited without values; does not commit."""
    booking.citizen_name = booking.citizen_email = booking.citizen_phone = None
    booking.anonymous_code = booking.anonymous_code or code


# Citizens' links and e-mails ----------------------------------------------------------------------------
def _serializer(salt: str) -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=salt)


def cancel_token(booking: Booking) -> str:
    return _serializer(CANCEL_SALT).dumps(booking.id)


def booking_for_token(token: str) -> Booking | None:
    try:
        booking_id = _serializer(CANCEL_SALT).loads(token)
    except BadSignature:
        return None
    return db.session.get(Booking, booking_id) if isinstance(booking_id, int) else None


def cancel_url(booking: Booking) -> str:
    """The whole address of the citizen's cancel page (jobs have no request: one is made up)."""
    if has_request_context():
        path = url_for("catalog.cancel_booking", token=cancel_token(booking))
    else:
        with current_app.test_request_context():
            path = url_for("catalog.cancel_booking", token=cancel_token(booking))
    return absolute_url(path)


def _email(booking: Booking, subject, template: str) -> None:
    if booking.citizen_email:
        link = cancel_url(booking)
        send_email(booking.citizen_email, subject, template, booking=booking, slot=booking.slot, cancel_url=link)


def _confirm(booking: Booking) -> None:
    _email(booking, _l("Your booking is confirmed"), "catalog_booking_confirmed")


def send_reminders(as_of: date) -> int:
    """E-mail the bookings of the day after `as_of` not reminded yet; idempotent. Commits."""
    stmt = select(Booking).where(Booking.status == "confirmed", Booking.day == as_of + timedelta(days=1),
                                 Booking.reminded_at.is_(None), Booking.citizen_email.is_not(None))
    sent = 0
    for booking in db.session.scalars(stmt).all():
        _email(booking, _l("Reminder: your booking is tomorrow"), "catalog_booking_reminder")
        booking.reminded_at = datetime.now(UTC)
        sent += 1
    db.session.commit()
    return sent


# The organisation's agenda --------------------------------------------------------------------------------
def agenda_token(organisation_id: int) -> str:
    return _serializer(AGENDA_SALT).dumps(organisation_id)


def organisation_for_agenda(token: str) -> int | None:
    try:
        found = _serializer(AGENDA_SALT).loads(token)
    except BadSignature:
        return None
    return found if isinstance(found, int) else None


def agenda_bookings(organisation_id: int, start: date) -> list[Booking]:
    """Confirmed bookings from `start` whose supplier is accredited on their day (suspended: none)."""
    stmt = (select(Booking).join(Offer, Offer.id == Booking.offer_id)
            .where(Booking.organisation_id == organisation_id, Booking.status == "confirmed",
                   Booking.day >= start, Offer.is_listed.is_(True)).order_by(Booking.day, Booking.id))
    return [b for b in db.session.scalars(stmt) if is_accredited(organisation_id, SCHEME, b.day)]


def set_listed(organisation_id: int, listed: bool) -> None:
    """Show or hide every offer of the organisation (the accreditation signals call this)."""
    db.session.execute(update(Offer).where(Offer.organisation_id == organisation_id).values(is_listed=listed)
                       .execution_options(synchronize_session="fetch"))


# Photos -------------------------------------------------------------------------------------------------
def add_photo(offer: Offer, file, user) -> Upload:
    """Store a photo of the offer (JPEG or PNG, checked by content; UploadRejected otherwise). Commits."""
    upload = save_upload(PHOTO_USE, file, owner=offer, user=user)
    db.session.commit()
    return upload


def photos(offer: Offer) -> list[Upload]:
    return uploads_of(offer, PHOTO_USE)


def public_photo(upload_id: int, day: date) -> Upload | None:
    """A photo, if it belongs to an offer the public may see on `day`."""
    upload = db.session.get(Upload, upload_id)
    if upload is None or upload.use != PHOTO_USE or upload.owner_model != "Offer" or not upload.is_current:
        return None
    return upload if public_offer(upload.owner_id, day) is not None else None
