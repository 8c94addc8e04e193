"""WelfarePoints: desks and their operators, needs (anonymous fields) with their personal data kept apart,
referrals to the catalogue's offers, and the fringe-benefit limits per year (data)."""

from __future__ import annotations

from datetime import date, datetime
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
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.audit import Audited
from app.extensions import db
from app.models import User
from app.money import Money
from app.workflow import Transition, Workflow, WorkflowMixin
from modules.catalog.models import Booking, Category, Offer
from modules.partners.models import Comune, PartnerOrganisation

AGE_BANDS = {"under_18": _l("Under 18"), "18_29": _l("18–29"), "30_44": _l("30–44"), "45_64": _l("45–64"),
             "65_74": _l("65–74"), "75_plus": _l("75 and over")}
HOUSEHOLD_TYPES = {"single": _l("Living alone"), "couple": _l("Couple without children"),
                   "couple_children": _l("Couple with children"), "single_parent": _l("Single parent"),
                   "with_elderly": _l("Household caring for an elderly or disabled person"),
                   "other": _l("Other")}
WORK_STATUSES = {"employee": _l("Employee"), "self_employed": _l("Self-employed"),
                 "unemployed": _l("Unemployed or looking for work"), "retired": _l("Retired"),
                 "student": _l("Student"), "other": _l("Other")}
CHANNELS = {"walk_in": _l("Came to the desk"), "phone": _l("Phone call"), "email": _l("E-mail"),
            "employer": _l("Sent by the employer"), "union": _l("Sent by a trade union or association"),
            "social_services": _l("Sent by the social services"), "word_of_mouth": _l("Word of mouth"),
            "other": _l("Other")}
LEGAL_BASES = {"consent": _l("Consent of the person (GDPR art. 6.1.a and 9.2.a)"),
               "public_task": _l("Task in the public interest (GDPR art. 6.1.e)"),
               "contract": _l("Steps requested before a service (GDPR art. 6.1.b)")}
OUTCOMES = {"offer_used": _l("Used the offer"), "other_service": _l("Helped by another service"),
            "no_offer": _l("No suitable offer"), "declined": _l("The person declined"),
            "unreachable": _l("The person could not be reached")}
NEED_STATES = {"open": _l("Open"), "referred": _l("Referred"), "resolved": _l("Resolved"),
               "not_resolved": _l("Not resolved")}
CLOSED_STATES = ("resolved", "not_resolved")
DESK_ROLES = ("operator", "coordinator", "admin")

desk_operators = Table(
    "welfare_points_desk_operators", db.metadata,
    Column("desk_id", ForeignKey("welfare_points_desks.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("base_users.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Desk(Audited, db.Model):
    """A WelfarePoint desk (sportello) hosted by an organisation, with its operators."""

    __tablename__ = "welfare_points_desks"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(160), unique=True, info={"label": _l("Name")})
    host_organisation_id: Mapped[int] = mapped_column(
        ForeignKey("partners_organisations.id", ondelete="RESTRICT"), index=True)
    address: Mapped[str] = mapped_column(String(200), info={"label": _l("Address")})
    comune_id: Mapped[str] = mapped_column(ForeignKey("partners_comuni.istat_code", ondelete="RESTRICT"),
                                           index=True)
    opening_hours: Mapped[str] = mapped_column(Text, default="", info={"label": _l("Opening hours")})
    phone: Mapped[str | None] = mapped_column(String(40), info={"label": _l("Phone")})
    email: Mapped[str | None] = mapped_column(String(254), info={"label": _l("E-mail")})
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, info={"label": _l("Active")})
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    host_organisation: Mapped[PartnerOrganisation] = relationship()
    comune: Mapped[Comune] = relationship()
    operators: Mapped[list[User]] = relationship(secondary=desk_operators, order_by=User.full_name)

    def __repr__(self) -> str:
        return f"<Desk {self.id} {self.name!r}>"

    def __str__(self) -> str:
        return self.name


NEED_WORKFLOW = Workflow(
    "status", NEED_STATES,
    [
        # Fired by services.refer when the first offer is proposed, not by a button.
        Transition("refer", ("open",), "referred", _l("Refer to an offer"), roles=DESK_ROLES),
        Transition("resolve", ("open", "referred"), "resolved", _l("Close as resolved"), roles=DESK_ROLES),
        Transition("not_resolve", ("open", "referred"), "not_resolved", _l("Close as not resolved"),
                   roles=DESK_ROLES, reason_required=True),
    ],
    initial="open", final=CLOSED_STATES,
)


class Need(Audited, WorkflowMixin, db.Model):
    """A need recorded at a desk: only the anonymous fields the observatory aggregates.

    Who the person is (name, contacts, the operator's note) lives in NeedPersonal, erased after the
    retention period; this row stays, with the date of the erasure.
    """

    __tablename__ = "welfare_points_needs"
    __workflow__ = NEED_WORKFLOW
    __final_writable__ = frozenset({"personal_erased_at"})  # the erasure the law requires, even when closed
    __table_args__ = (
        CheckConstraint("legal_basis <> 'consent' OR has_consent", name="ck_welfare_points_needs_consent"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True, info={"label": _l("Case code")})
    desk_id: Mapped[int] = mapped_column(ForeignKey("welfare_points_desks.id", ondelete="RESTRICT"), index=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("catalog_categories.id", ondelete="RESTRICT"), index=True)
    comune_id: Mapped[str] = mapped_column(ForeignKey("partners_comuni.istat_code", ondelete="RESTRICT"),
                                           index=True)
    opened_on: Mapped[date] = mapped_column(Date, index=True, info={"label": _l("Recorded on")})
    age_band: Mapped[str] = mapped_column(String(20), info={"label": _l("Age band")})
    household_type: Mapped[str] = mapped_column(String(20), info={"label": _l("Household")})
    work_status: Mapped[str] = mapped_column(String(20), info={"label": _l("Work status")})
    channel: Mapped[str] = mapped_column(String(20), info={"label": _l("How they came")})
    legal_basis: Mapped[str] = mapped_column(String(20), info={"label": _l("Legal basis")})
    has_consent: Mapped[bool] = mapped_column(Boolean, default=False, info={"label": _l("Consent given")})
    consent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True),
                                                        info={"label": _l("Consent recorded at")})
    status: Mapped[str] = mapped_column(String(20), default="open", index=True, info={"label": _l("Status")})
    outcome: Mapped[str | None] = mapped_column(String(20), info={"label": _l("Outcome")})
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True,
                                                       info={"label": _l("Closed at")})
    personal_erased_at: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True), info={"label": _l("Personal data erased at")})
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("base_users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    desk: Mapped[Desk] = relationship()
    category: Mapped[Category] = relationship()
    comune: Mapped[Comune] = relationship()
    recorded_by: Mapped[User | None] = relationship()
    personal: Mapped[NeedPersonal | None] = relationship(back_populates="need", cascade="all, delete-orphan",
                                                         uselist=False)
    referrals: Mapped[list[Referral]] = relationship(back_populates="need", order_by="Referral.id")

    def __repr__(self) -> str:
        return f"<Need {self.id} {self.code} {self.status}>"

    def __str__(self) -> str:
        return self.code

    @property
    def is_closed(self) -> bool:
        return self.status in CLOSED_STATES


class NeedPersonal(Audited, db.Model):
    """Who the person of a need is: personal data, audited without values, never shown to auditors."""

    __tablename__ = "welfare_points_need_personal"
    __audit_personal__ = frozenset({"full_name", "email", "phone", "note"})
    __citizen_data__ = __audit_personal__

    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int] = mapped_column(ForeignKey("welfare_points_needs.id", ondelete="CASCADE"), unique=True)
    full_name: Mapped[str | None] = mapped_column(String(200), info={"label": _l("Name and surname")})
    email: Mapped[str | None] = mapped_column(String(254), info={"label": _l("E-mail")})
    phone: Mapped[str | None] = mapped_column(String(40), info={"label": _l("Phone")})
    note: Mapped[str | None] = mapped_column(Text, info={"label": _l("Private note")})

    need: Mapped[Need] = relationship(back_populates="personal")

    def __repr__(self) -> str:
        return f"<NeedPersonal {self.id} need={self.need_id}>"


class Referral(Audited, db.Model):
    """A need sent to an offer of the catalogue, with the booking made for it (if any)."""

    __tablename__ = "welfare_points_referrals"
    __table_args__ = (UniqueConstraint("need_id", "offer_id", name="uq_welfare_points_referrals_offer"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int] = mapped_column(ForeignKey("welfare_points_needs.id", ondelete="CASCADE"), index=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("catalog_offers.id", ondelete="RESTRICT"), index=True)
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("catalog_bookings.id", ondelete="SET NULL"),
                                                   index=True)
    referred_by_id: Mapped[int | None] = mapped_column(ForeignKey("base_users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(),
                                                 info={"label": _l("Referred at")})

    need: Mapped[Need] = relationship(back_populates="referrals")
    offer: Mapped[Offer] = relationship()
    booking: Mapped[Booking | None] = relationship()
    referred_by: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<Referral {self.id} need={self.need_id} offer={self.offer_id}>"

    def __str__(self) -> str:
        return f"{self.need} → {self.offer}"


class FringeBenefitLimit(Audited, db.Model):
    """The yearly limit of tax-free fringe benefits (art. 51 c.3 TUIR): data, edited by coordinators."""

    __tablename__ = "welfare_points_fringe_limits"
    __reference_data__ = True
    __table_args__ = (
        CheckConstraint("base_limit >= 0 AND children_limit >= 0", name="ck_welfare_points_fringe_limits_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer, unique=True, info={"label": _l("Year")})
    base_limit: Mapped[Decimal] = mapped_column(Money(), info={"label": _l("Limit")})
    children_limit: Mapped[Decimal] = mapped_column(Money(), info={"label": _l("Limit with dependent children")})
    legal_reference: Mapped[str] = mapped_column(String(200), default="",
                                                 info={"label": _l("Legal reference")})

    def __repr__(self) -> str:
        return f"<FringeBenefitLimit {self.year} {self.base_limit}/{self.children_limit}>"

    def __str__(self) -> str:
        return str(self.year)
