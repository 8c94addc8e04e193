"""The catalogue: categories (data), offers, weekly slots, closures, slot occurrences and bookings."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    Time,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.audit import Audited
from app.extensions import db
from app.i18n import BilingualName, reader_locale
from app.models import User
from app.money import Money
from app.uploads import MB, register_owner, register_use
from modules.partners.models import Comune, PartnerOrganisation

OFFER_STATUSES = {"draft": _l("Draft"), "published": _l("Published"), "withdrawn": _l("Withdrawn")}
BOOKING_STATUSES = {"confirmed": _l("Confirmed"), "cancelled": _l("Cancelled")}
PHOTO_USE = "catalog.photo"
WEEKDAYS = [_l("Monday"), _l("Tuesday"), _l("Wednesday"), _l("Thursday"), _l("Friday"), _l("Saturday"),
            _l("Sunday")]


def _english() -> bool:
    return reader_locale().startswith("en")


class Category(BilingualName, Audited, db.Model):
    """A category of the offers' taxonomy (data, edited by coordinators)."""

    __tablename__ = "catalog_categories"
    __reference_data__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(40), unique=True, info={"label": _l("Key")})
    name_it: Mapped[str] = mapped_column(String(120), info={"label": _l("Name (Italian)")})
    name_en: Mapped[str] = mapped_column(String(120), default="", info={"label": _l("Name (English)")})
    sort_order: Mapped[int] = mapped_column(Integer, default=100, info={"label": _l("Order")})
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, info={"label": _l("Active")})

    def __repr__(self) -> str:
        return f"<Category {self.key}>"


offer_comuni = Table(
    "catalog_offer_comuni", db.metadata,
    Column("offer_id", ForeignKey("catalog_offers.id", ondelete="CASCADE"), primary_key=True),
    Column("comune_id", ForeignKey("partners_comuni.istat_code", ondelete="RESTRICT"), primary_key=True),
)


class Offer(Audited, db.Model):
    """A service or good an accredited local supplier offers."""

    __tablename__ = "catalog_offers"
    __table_args__ = (
        CheckConstraint("price_to IS NULL OR price_from IS NULL OR price_to >= price_from",
                        name="ck_catalog_offers_price_range"),
        CheckConstraint("valid_to IS NULL OR valid_to >= valid_from", name="ck_catalog_offers_validity"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("partners_organisations.id", ondelete="RESTRICT"), index=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("catalog_categories.id", ondelete="RESTRICT"), index=True)
    title_it: Mapped[str] = mapped_column(String(200), info={"label": _l("Title (Italian)")})
    title_en: Mapped[str | None] = mapped_column(String(200), info={"label": _l("Title (English)")})
    description_it: Mapped[str] = mapped_column(Text, default="", info={"label": _l("Description (Italian)")})
    description_en: Mapped[str | None] = mapped_column(Text, info={"label": _l("Description (English)")})
    price_from: Mapped[Decimal | None] = mapped_column(Money(), info={"label": _l("Price from")})
    price_to: Mapped[Decimal | None] = mapped_column(Money(), info={"label": _l("Price up to")})
    is_welfare_eligible: Mapped[bool] = mapped_column(Boolean, default=False, info={"label": _l("Welfare-eligible")})
    welfare_rule: Mapped[str | None] = mapped_column(Text, info={"label": _l("Welfare rule")})
    valid_from: Mapped[date] = mapped_column(Date, info={"label": _l("Valid from")})
    valid_to: Mapped[date | None] = mapped_column(Date, info={"label": _l("Valid to")})
    status: Mapped[str] = mapped_column(String(20), default="draft", index=True, info={"label": _l("Status")})
    # Cleared when the organisation's accreditation is suspended, revoked or expires (see __init__.py);
    # the public queries also ask `is_accredited` on the day, so a missed signal hides nothing less.
    is_listed: Mapped[bool] = mapped_column(Boolean, default=True, info={"label": _l("Listed")})
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    organisation: Mapped[PartnerOrganisation] = relationship()
    category: Mapped[Category] = relationship()
    comuni: Mapped[list[Comune]] = relationship(secondary=offer_comuni, order_by=Comune.name)
    slots: Mapped[list[Slot]] = relationship(back_populates="offer", order_by="Slot.weekday, Slot.starts_at")

    def __repr__(self) -> str:
        return f"<Offer {self.id} {self.title_it!r}>"

    def __str__(self) -> str:
        return self.title

    @property
    def title(self) -> str:
        return (self.title_en or self.title_it) if _english() else self.title_it

    @property
    def description(self) -> str:
        return (self.description_en or self.description_it) if _english() else self.description_it


class Slot(Audited, db.Model):
    """A weekly recurring time slot of an offer, with how many people it takes."""

    __tablename__ = "catalog_slots"
    __table_args__ = (
        CheckConstraint("weekday BETWEEN 0 AND 6", name="ck_catalog_slots_weekday"),
        CheckConstraint("capacity >= 1", name="ck_catalog_slots_capacity"),
        CheckConstraint("ends_at > starts_at", name="ck_catalog_slots_times"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("catalog_offers.id", ondelete="CASCADE"), index=True)
    weekday: Mapped[int] = mapped_column(Integer, info={"label": _l("Day of the week")})
    starts_at: Mapped[time] = mapped_column(Time, info={"label": _l("Starts at")})
    ends_at: Mapped[time] = mapped_column(Time, info={"label": _l("Ends at")})
    capacity: Mapped[int] = mapped_column(Integer, default=1, info={"label": _l("Places")})
    valid_from: Mapped[date | None] = mapped_column(Date, info={"label": _l("Valid from")})
    valid_to: Mapped[date | None] = mapped_column(Date, info={"label": _l("Valid to")})

    offer: Mapped[Offer] = relationship(back_populates="slots")

    def __repr__(self) -> str:
        return f"<Slot {self.id} offer={self.offer_id} {self.weekday} {self.starts_at}>"

    def __str__(self) -> str:
        return f"{WEEKDAYS[self.weekday]} {self.starts_at:%H:%M}–{self.ends_at:%H:%M}"

    def runs_on(self, day: date) -> bool:
        return (day.weekday() == self.weekday and (self.valid_from is None or self.valid_from <= day)
                and (self.valid_to is None or day <= self.valid_to))


class Closure(Audited, db.Model):
    """An exception to the weekly slots: the offer is closed that day (holiday, closure)."""

    __tablename__ = "catalog_closures"
    __table_args__ = (UniqueConstraint("offer_id", "day", name="uq_catalog_closures_day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("catalog_offers.id", ondelete="CASCADE"), index=True)
    day: Mapped[date] = mapped_column(Date, info={"label": _l("Day")})
    reason: Mapped[str] = mapped_column(String(200), default="", info={"label": _l("Reason")})

    offer: Mapped[Offer] = relationship()

    def __repr__(self) -> str:
        return f"<Closure {self.id} offer={self.offer_id} {self.day}>"


class Occurrence(db.Model):
    """One slot on one day and the places taken: the row bookings race for (see services.book)."""

    __tablename__ = "catalog_occurrences"
    __table_args__ = (UniqueConstraint("slot_id", "day", name="uq_catalog_occurrences_slot_day"),
                      CheckConstraint("booked >= 0", name="ck_catalog_occurrences_booked"))

    id: Mapped[int] = mapped_column(primary_key=True)
    slot_id: Mapped[int] = mapped_column(ForeignKey("catalog_slots.id", ondelete="RESTRICT"))
    day: Mapped[date] = mapped_column(Date)
    booked: Mapped[int] = mapped_column(Integer, default=0)

    slot: Mapped[Slot] = relationship()

    def __repr__(self) -> str:
        return f"<Occurrence {self.id} slot={self.slot_id} {self.day} booked={self.booked}>"


class Booking(Audited, db.Model):
    """A place booked for a citizen (named, with consent, or by an anonymous code)."""

    __tablename__ = "catalog_bookings"
    __audit_personal__ = frozenset({"citizen_name", "citizen_email", "citizen_phone"})
    __citizen_data__ = __audit_personal__  # masked for auditors (app.admin)
    __table_args__ = (
        CheckConstraint("anonymous_code IS NOT NULL OR (citizen_name IS NOT NULL AND has_consent)",
                        name="ck_catalog_bookings_identity"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    occurrence_id: Mapped[int] = mapped_column(ForeignKey("catalog_occurrences.id", ondelete="RESTRICT"),
                                               index=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("catalog_offers.id", ondelete="RESTRICT"), index=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("partners_organisations.id", ondelete="RESTRICT"), index=True)
    day: Mapped[date] = mapped_column(Date, index=True, info={"label": _l("Day")})
    citizen_name: Mapped[str | None] = mapped_column(String(200), info={"label": _l("Citizen")})
    citizen_email: Mapped[str | None] = mapped_column(String(254), info={"label": _l("E-mail")})
    citizen_phone: Mapped[str | None] = mapped_column(String(40), info={"label": _l("Phone")})
    has_consent: Mapped[bool] = mapped_column(Boolean, default=False, info={"label": _l("Consent given")})
    consent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True),
                                                        info={"label": _l("Consent recorded at")})
    anonymous_code: Mapped[str | None] = mapped_column(String(40), info={"label": _l("Anonymous code")})
    status: Mapped[str] = mapped_column(String(20), default="confirmed", info={"label": _l("Status")})
    booked_by_id: Mapped[int | None] = mapped_column(ForeignKey("base_users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(),
                                                 info={"label": _l("Booked at")})
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True),
                                                          info={"label": _l("Cancelled at")})
    reminded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True),
                                                         info={"label": _l("Reminder sent at")})

    occurrence: Mapped[Occurrence] = relationship()
    offer: Mapped[Offer] = relationship()
    organisation: Mapped[PartnerOrganisation] = relationship()
    booked_by: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<Booking {self.id} offer={self.offer_id} {self.day} {self.status}>"

    def __str__(self) -> str:
        return f"{self.offer} {self.day:%d/%m/%Y}"

    @property
    def slot(self) -> Slot:
        return self.occurrence.slot


# Offers' photos are kernel uploads owned by the offer: JPEG or PNG, checked by content.
register_use(PHOTO_USE, {"jpeg", "png"}, max_bytes=5 * MB)
register_owner(Offer)
