"""Monthly settlements: per shop (give-back) and per provider (shared value), from draft to paid."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.audit import Audited
from app.extensions import db
from app.money import Money, Percent
from app.workflow import Transition, Workflow, WorkflowMixin
from modules.partners.models import PartnerOrganisation

SETTLEMENT_KINDS = {"shop": _l("Shop give-back"), "provider": _l("Provider shared value")}
SETTLEMENT_STATES = {
    "draft": _l("Draft"),
    "disputed": _l("Disputed"),
    "confirmed": _l("Confirmed"),
    "requested": _l("Payment requested"),
    "paid": _l("Paid"),
    "closed": _l("Closed, nothing to pay"),
}
SETTLED_STATES = ("confirmed", "requested", "paid", "closed")  # a month whose figures are fixed
SETTLE = "shop_network.settle"


def _nothing_due(settlement, _user) -> str | None:
    return None if settlement.amount_due == 0 else str(_l("There is an amount to pay: record its payment."))


def _something_due(settlement, _user) -> str | None:
    return None if settlement.amount_due > 0 else str(_l("There is nothing to pay."))


class Settlement(Audited, WorkflowMixin, db.Model):
    """What one shop (or provider) owes the fund for one month.

    A draft is recomputed until it is confirmed; confirming locks it (its transactions point at it), posts the
    receivable to the fund; recording the payment posts the cash. A negative month owes nothing and carries its
    amount forward as a credit (`credit_out`) into the next month (`credit_in`); a month that owes nothing is
    closed when it is confirmed.
    """

    __tablename__ = "shop_network_settlements"
    __table_args__ = (
        UniqueConstraint("kind", "organisation_id", "month"),
        CheckConstraint("amount_due >= 0", name="amount_due"),
        CheckConstraint("credit_in <= 0 AND credit_out <= 0", name="credits"),
    )
    __workflow__ = Workflow(
        "state", SETTLEMENT_STATES,
        [
            Transition("dispute", ("draft",), "disputed", _l("Dispute"), roles=("shop", "provider"),
                       reason_required=True),
            Transition("resolve", ("disputed",), "draft", _l("Back to draft"), permission=SETTLE,
                       reason_required=True),
            Transition("confirm", ("draft",), "confirmed", _l("Confirm"), permission=SETTLE),
            Transition("request", ("confirmed",), "requested", _l("Request payment"), permission=SETTLE,
                       guard=_something_due),
            Transition("pay", ("confirmed", "requested"), "paid", _l("Record payment"), permission=SETTLE,
                       guard=_something_due),
            # confirm() closes a month that owes nothing (none of it, or a credit carried forward)
            Transition("close", ("confirmed",), "closed", _l("Close, nothing to pay"), permission=SETTLE,
                       guard=_nothing_due),
        ],
        initial="draft", final=("paid", "closed"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10), info={"label": _l("Kind")})
    organisation_id: Mapped[int] = mapped_column(ForeignKey("partners_organisations.id", ondelete="RESTRICT"),
                                                 index=True)
    month: Mapped[date] = mapped_column(Date, index=True, info={"label": _l("Month")})  # its first day
    state: Mapped[str] = mapped_column(String(20), default="draft", index=True, info={"label": _l("State")})
    rows: Mapped[int] = mapped_column(Integer, default=0, info={"label": _l("Transactions")})
    late_rows: Mapped[int] = mapped_column(Integer, default=0, info={"label": _l("Late transactions")})
    purchases: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"), info={"label": _l("Purchases")})
    refunds: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"), info={"label": _l("Refunds")})
    base: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"), info={"label": _l("Base")})
    percent: Mapped[Decimal | None] = mapped_column(Percent, info={"label": _l("Percentage")})  # providers only
    amount: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"), info={"label": _l("Amount of the month")})
    credit_in: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"),
                                               info={"label": _l("Credit from earlier months")})
    amount_due: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"), info={"label": _l("Amount due")})
    credit_out: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"),
                                                info={"label": _l("Credit carried forward")})
    payment_reference: Mapped[str] = mapped_column(String(40), unique=True,
                                                   info={"label": _l("Payment reference")})
    contribution_id: Mapped[int | None] = mapped_column(ForeignKey("funds_contributions.id", ondelete="RESTRICT"))
    statement_upload_id: Mapped[int | None] = mapped_column(ForeignKey("base_uploads.id", ondelete="RESTRICT"))
    statement_sha256: Mapped[str | None] = mapped_column(String(64), info={"label": _l("Statement SHA-256")})
    dispute_reason: Mapped[str | None] = mapped_column(Text, info={"label": _l("Dispute")})
    computed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), info={"label": _l("Computed at")})
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True),
                                                          info={"label": _l("Confirmed at")})
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("base_users.id", ondelete="SET NULL"))
    paid_on: Mapped[date | None] = mapped_column(Date, info={"label": _l("Paid on")})
    reminded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), info={"label": _l("Reminded at")})
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    organisation: Mapped[PartnerOrganisation] = relationship()

    def __repr__(self) -> str:
        return f"<Settlement {self.kind} {self.organisation_id} {self.month:%Y-%m} {self.state}>"

    def __str__(self) -> str:
        return f"{self.payment_reference} – {self.month:%m/%Y}"
