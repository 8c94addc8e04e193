"""The fund and the money that comes into it (contributions owed and received, donations)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, Date, DateTime, ForeignKey, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.audit import Audited
from app.extensions import db
from app.models import Organisation, User
from app.money import Money

CONTRIBUTION_KINDS = {"contribution": _l("Contribution"), "donation": _l("Donation")}


class Fund(Audited, db.Model):
    """A fund of the district. Its money lives in ledger accounts found by owner key (services.accounts)."""

    __tablename__ = "funds_funds"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(160), unique=True, info={"label": _l("Name")})
    description: Mapped[str | None] = mapped_column(Text, info={"label": _l("Description")})
    is_active: Mapped[bool] = mapped_column(default=True, info={"label": _l("Active")})
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    def __repr__(self) -> str:
        return f"<Fund {self.id} {self.name!r}>"

    def __str__(self) -> str:
        return self.name


class Contribution(Audited, db.Model):
    """Money owed to the fund by an organisation (then received, maybe in parts), or a donation."""

    __tablename__ = "funds_contributions"
    __audit_personal__ = frozenset({"donor_name"})
    __citizen_data__ = __audit_personal__  # a private donor: masked for auditors (app.admin)
    __table_args__ = (
        CheckConstraint("amount_owed > 0 AND amount_received >= 0 AND amount_received <= amount_owed",
                        name="amounts"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    fund_id: Mapped[int] = mapped_column(ForeignKey("funds_funds.id", ondelete="RESTRICT"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("base_organisations.id", ondelete="RESTRICT"), index=True)
    donor_name: Mapped[str | None] = mapped_column(String(160), info={"label": _l("Donor")})
    kind: Mapped[str] = mapped_column(String(20), default="contribution", info={"label": _l("Kind")})
    source_reference: Mapped[str] = mapped_column(String(200), unique=True,
                                                  info={"label": _l("Source reference")})
    description: Mapped[str] = mapped_column(String(300), info={"label": _l("Description")})
    owed_on: Mapped[date] = mapped_column(Date, info={"label": _l("Due since")})
    amount_owed: Mapped[Decimal] = mapped_column(Money, info={"label": _l("Amount owed")})
    amount_received: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"),
                                                     info={"label": _l("Amount received")})
    last_received_on: Mapped[date | None] = mapped_column(Date, info={"label": _l("Last received on")})
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("base_users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    fund: Mapped[Fund] = relationship()
    organisation: Mapped[Organisation | None] = relationship()
    created_by: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<Contribution {self.id} {self.source_reference!r}>"

    def __str__(self) -> str:
        return self.description

    @property
    def amount_due(self) -> Decimal:
        """Owed and not received yet."""
        return self.amount_owed - self.amount_received

    @property
    def contributor(self) -> str:
        return str(self.organisation) if self.organisation is not None else (self.donor_name or "")


class Receipt(db.Model):
    """Money received for a contribution (all of it at once, or one of several parts); append-only."""

    __tablename__ = "funds_receipts"
    __table_args__ = (CheckConstraint("amount > 0", name="amount"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contribution_id: Mapped[int] = mapped_column(ForeignKey("funds_contributions.id", ondelete="RESTRICT"),
                                                 index=True)
    amount: Mapped[Decimal] = mapped_column(Money, info={"label": _l("Amount")})
    received_on: Mapped[date] = mapped_column(Date, index=True, info={"label": _l("Received on")})
    reference: Mapped[str] = mapped_column(String(200), info={"label": _l("Receipt reference")})
    entry_id: Mapped[int] = mapped_column(ForeignKey("ledger_entries.id", ondelete="RESTRICT"))

    contribution: Mapped[Contribution] = relationship()

    def __repr__(self) -> str:
        return f"<Receipt {self.id} contribution={self.contribution_id} {self.amount}>"
