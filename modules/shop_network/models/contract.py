"""Contracts of the shop network: categories (data), contracts with their outlets and accepted platforms,
give-back rates dated from a day, and the periods in which the shop was in the network."""

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
from app.i18n import BilingualName
from app.money import Percent
from app.workflow import Transition, Workflow, WorkflowMixin
from modules.partners.models import Comune, PartnerOrganisation

CONTRACT_STATES = {
    "draft": _l("Draft"),
    "sent": _l("Sent for signature"),
    "active": _l("Active"),
    "suspended": _l("Suspended"),
    "terminated": _l("Terminated"),
}
RATE_STATUSES = {"pending": _l("Waiting for the shop's signature"), "signed": _l("Signed"),
                 "withdrawn": _l("Withdrawn")}
MANAGE = "shop_network.manage_contracts"


class ShopCategory(BilingualName, Audited, db.Model):
    """A category of shops (data, edited by coordinators): food, clothing, health, ..."""

    __tablename__ = "shop_network_categories"
    __reference_data__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(40), unique=True, info={"label": _l("Key")})
    name_it: Mapped[str] = mapped_column(String(120), info={"label": _l("Name (Italian)")})
    name_en: Mapped[str] = mapped_column(String(120), default="", info={"label": _l("Name (English)")})
    sort_order: Mapped[int] = mapped_column(Integer, default=100, info={"label": _l("Order")})
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, info={"label": _l("Active")})

    def __repr__(self) -> str:
        return f"<ShopCategory {self.key}>"


contract_categories = Table(
    "shop_network_contract_categories", db.metadata,
    Column("contract_id", ForeignKey("shop_network_contracts.id", ondelete="CASCADE"), primary_key=True),
    Column("category_id", ForeignKey("shop_network_categories.id", ondelete="RESTRICT"), primary_key=True),
)

# The welfare platforms (accredited providers) whose credit the shop accepts.
contract_platforms = Table(
    "shop_network_contract_platforms", db.metadata,
    Column("contract_id", ForeignKey("shop_network_contracts.id", ondelete="CASCADE"), primary_key=True),
    Column("provider_id", ForeignKey("partners_organisations.id", ondelete="RESTRICT"), primary_key=True),
)


class Contract(Audited, WorkflowMixin, db.Model):
    """The contract by which a shop, artisan or third-sector body joins the network.

    Sent for signature → the shop signs it (signatures module) → active. Suspension and termination take
    effect from a day (`suspended_from`, `terminated_on`): nothing accrues from that day on.
    """

    __tablename__ = "shop_network_contracts"
    __table_args__ = (
        CheckConstraint("valid_to IS NULL OR valid_to >= valid_from", name="validity"),
    )
    __workflow__ = Workflow(
        "state", CONTRACT_STATES,
        [
            Transition("send", ("draft",), "sent", _l("Send for signature"), permission=MANAGE),
            Transition("recall", ("sent",), "draft", _l("Recall for changes"), permission=MANAGE,
                       reason_required=True),
            # Fired by the services when the shop's signature is recorded.
            Transition("activate", ("sent",), "active", _l("Activate")),
            Transition("suspend", ("active",), "suspended", _l("Suspend"), permission=MANAGE, reason_required=True),
            Transition("reactivate", ("suspended",), "active", _l("Reactivate"), permission=MANAGE,
                       reason_required=True),
            Transition("terminate", ("draft", "sent", "active", "suspended"), "terminated", _l("Terminate"),
                       permission=MANAGE, reason_required=True),
        ],
        initial="draft", final=("terminated",),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(30), unique=True, info={"label": _l("Contract number")})
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("partners_organisations.id", ondelete="RESTRICT"), index=True)
    valid_from: Mapped[date] = mapped_column(Date, info={"label": _l("Valid from")})
    valid_to: Mapped[date | None] = mapped_column(Date, info={"label": _l("Valid to")})
    state: Mapped[str] = mapped_column(String(20), default="draft", index=True, info={"label": _l("State")})
    state_reason: Mapped[str | None] = mapped_column(Text, info={"label": _l("Reason")})
    suspended_from: Mapped[date | None] = mapped_column(Date, info={"label": _l("Suspended from")})
    terminated_on: Mapped[date | None] = mapped_column(Date, info={"label": _l("Terminated from")})
    signed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), info={"label": _l("Signed at")})
    notes: Mapped[str | None] = mapped_column(Text, info={"label": _l("Internal notes")})
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("base_users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    organisation: Mapped[PartnerOrganisation] = relationship()
    categories: Mapped[list[ShopCategory]] = relationship(secondary=contract_categories,
                                                          order_by=ShopCategory.sort_order)
    platforms: Mapped[list[PartnerOrganisation]] = relationship(secondary=contract_platforms,
                                                                order_by=PartnerOrganisation.legal_name)
    outlets: Mapped[list[Outlet]] = relationship(back_populates="contract", order_by="Outlet.name",
                                                 cascade="all, delete-orphan")
    rates: Mapped[list[Rate]] = relationship(back_populates="contract", order_by="Rate.effective_from",
                                             cascade="all, delete-orphan")

    def __repr__(self) -> str:
        return f"<Contract {self.number} {self.state}>"

    def __str__(self) -> str:
        return f"{self.number} – {self.organisation}" if self.organisation_id else self.number


class Outlet(Audited, db.Model):
    """A point of sale (punto vendita) of the contract's shop; several may share one P.IVA."""

    __tablename__ = "shop_network_outlets"

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("shop_network_contracts.id", ondelete="CASCADE"),
                                             index=True)
    name: Mapped[str] = mapped_column(String(160), info={"label": _l("Name")})
    street: Mapped[str | None] = mapped_column(String(200), info={"label": _l("Address")})
    cap: Mapped[str | None] = mapped_column(String(5), info={"label": _l("CAP")})
    comune_istat: Mapped[str] = mapped_column(ForeignKey("partners_comuni.istat_code", ondelete="RESTRICT"),
                                              index=True, info={"label": _l("Comune")})
    phone: Mapped[str | None] = mapped_column(String(40), info={"label": _l("Phone")})
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, info={"label": _l("Active")})

    contract: Mapped[Contract] = relationship(back_populates="outlets")
    comune: Mapped[Comune] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"<Outlet {self.id} {self.name!r}>"

    def __str__(self) -> str:
        return self.name


class Rate(Audited, db.Model):
    """A give-back rate from a day on. The first comes with the contract; a later one is an amendment the shop
    signs, and may start only after the last confirmed month (never retroactively)."""

    __tablename__ = "shop_network_rates"
    __table_args__ = (
        UniqueConstraint("contract_id", "effective_from"),
        CheckConstraint("rate >= 0 AND rate <= 1000000", name="range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("shop_network_contracts.id", ondelete="CASCADE"),
                                             index=True)
    rate: Mapped[Decimal] = mapped_column(Percent, info={"label": _l("Give-back rate (%)")})
    effective_from: Mapped[date] = mapped_column(Date, info={"label": _l("Effective from")})
    status: Mapped[str] = mapped_column(String(20), default="pending", info={"label": _l("Status")})
    signed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), info={"label": _l("Signed at")})
    note: Mapped[str | None] = mapped_column(Text, info={"label": _l("Note")})
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("base_users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    contract: Mapped[Contract] = relationship(back_populates="rates")

    def __repr__(self) -> str:
        return f"<Rate {self.contract_id} {self.rate}% from {self.effective_from}>"


class NetworkPeriod(db.Model):
    """Days on which the organisation was in the network under a contract (`ends_on` inclusive, open = NULL).

    Kept by the contract services (activation, suspension, reactivation, termination, end of validity), so
    "was this P.IVA in the network on day D?" is one indexed join for the import.
    """

    __tablename__ = "shop_network_periods"
    __table_args__ = (CheckConstraint("ends_on IS NULL OR ends_on >= starts_on", name="dates"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("shop_network_contracts.id", ondelete="CASCADE"),
                                             index=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("partners_organisations.id", ondelete="RESTRICT"), index=True)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)

    contract: Mapped[Contract] = relationship()

    def __repr__(self) -> str:
        return f"<NetworkPeriod {self.organisation_id} {self.starts_on}..{self.ends_on or ''}>"
