"""Allocation rounds, the municipality's ranking, allocations to projects and payments to beneficiaries.

Transitions are declared here (states, who may fire them, guards) and fired only by the services, which also
post the ledger entries and keep the fund's money right under a row lock.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.audit import Audited
from app.extensions import db
from app.models import Organisation, User
from app.money import Money
from app.workflow import Transition, Workflow, WorkflowMixin

from .fund import Fund
from .project import Project

ROUND_STATES = {"open": _l("Ranking open"), "ranked": _l("Ranked: allocations"), "closed": _l("Round closed")}
ALLOCATION_STATES = {"proposed": _l("Proposed"), "approved": _l("Approved"), "rejected": _l("Rejected"),
                     "revoked": _l("Revoked")}
PAYMENT_STATES = {"requested": _l("To pay"), "paid": _l("Paid"), "cancelled": _l("Cancelled")}


def _has_ranking(round_: Round, _user) -> str | None:
    return None if round_.priorities else _("Rank at least one project first.")


def _not_the_proposer(allocation: Allocation, user) -> str | None:
    """Four eyes: whoever proposed an allocation does not decide on it."""
    if allocation.proposed_by_id is not None and allocation.proposed_by_id == getattr(user, "id", None):
        return _("You proposed this allocation: another municipality official must decide on it.")
    return None


class Round(Audited, WorkflowMixin, db.Model):
    """A period in which an amount of the fund is allocated to projects, following the municipality's ranking."""

    __tablename__ = "funds_rounds"
    __table_args__ = (CheckConstraint("amount > 0", name="amount"),
                      CheckConstraint("period_end >= period_start", name="period"))
    __workflow__ = Workflow(
        "status", ROUND_STATES,
        [
            Transition("confirm_ranking", ("open",), "ranked", _l("Confirm the ranking"),
                       permission="funds.rank", guard=_has_ranking),
            Transition("reopen_ranking", ("ranked",), "open", _l("Reopen the ranking"), permission="funds.rank",
                       guard=lambda r, _u: _("Allocations were already proposed in this round.")
                       if r.allocations else None),
            Transition("close", ("open", "ranked"), "closed", _l("Close the round"), permission="funds.rank"),
        ],
        initial="open", final=("closed",),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    fund_id: Mapped[int] = mapped_column(ForeignKey("funds_funds.id", ondelete="RESTRICT"), index=True)
    title: Mapped[str] = mapped_column(String(200), info={"label": _l("Title")})
    period_start: Mapped[date] = mapped_column(Date, info={"label": _l("From")})
    period_end: Mapped[date] = mapped_column(Date, info={"label": _l("To")})
    amount: Mapped[Decimal] = mapped_column(Money, info={"label": _l("Amount of the round")})
    legal_basis: Mapped[str] = mapped_column(Text, default="", info={"label": _l("Legal basis")})
    selection_method: Mapped[str] = mapped_column(Text, default="", info={"label": _l("Selection method")})
    status: Mapped[str] = mapped_column(String(20), default="open", info={"label": _l("Status")})
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    fund: Mapped[Fund] = relationship(lazy="joined")
    priorities: Mapped[list[Priority]] = relationship(back_populates="round", order_by="Priority.rank",
                                                      lazy="selectin")
    allocations: Mapped[list[Allocation]] = relationship(order_by="Allocation.id", viewonly=True)

    def __repr__(self) -> str:
        return f"<Round {self.id} {self.title!r} {self.status}>"

    def __str__(self) -> str:
        return self.title


class Priority(db.Model):
    """A project's position in a round's ranking (1 = first)."""

    __tablename__ = "funds_priorities"
    __table_args__ = (UniqueConstraint("round_id", "project_id", name="uq_funds_priorities_round_project"),
                      UniqueConstraint("round_id", "rank", name="uq_funds_priorities_round_rank"),
                      CheckConstraint("rank >= 1", name="rank"))

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("funds_rounds.id", ondelete="CASCADE"), index=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("funds_projects.id", ondelete="RESTRICT"), index=True)
    rank: Mapped[int] = mapped_column(Integer, info={"label": _l("Position")})
    ranked_by_id: Mapped[int | None] = mapped_column(ForeignKey("base_users.id", ondelete="SET NULL"))
    ranked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    round: Mapped[Round] = relationship(back_populates="priorities")
    project: Mapped[Project] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"<Priority round={self.round_id} #{self.rank} project={self.project_id}>"

    def __str__(self) -> str:
        return f"{self.rank}. {self.project}"


class Allocation(Audited, WorkflowMixin, db.Model):
    """An amount of a round for a project: proposed by a coordinator, approved by a municipality official."""

    __tablename__ = "funds_allocations"
    __table_args__ = (CheckConstraint("amount > 0", name="amount"),)
    __workflow__ = Workflow(
        "status", ALLOCATION_STATES,
        [
            Transition("approve", ("proposed",), "approved", _l("Approve"), permission="funds.approve_allocation",
                       guard=_not_the_proposer),
            Transition("reject", ("proposed",), "rejected", _l("Reject"), permission="funds.approve_allocation",
                       reason_required=True, guard=_not_the_proposer),
            Transition("revoke", ("approved",), "revoked", _l("Revoke"), permission="funds.approve_allocation",
                       reason_required=True),
        ],
        initial="proposed", final=("rejected", "revoked"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("funds_rounds.id", ondelete="RESTRICT"), index=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("funds_projects.id", ondelete="RESTRICT"), index=True)
    # The project's beneficiary, kept here: record rules and the yearly transparency total read it.
    beneficiary_id: Mapped[int] = mapped_column(ForeignKey("base_organisations.id", ondelete="RESTRICT"),
                                                index=True)
    amount: Mapped[Decimal] = mapped_column(Money, info={"label": _l("Amount")})
    status: Mapped[str] = mapped_column(String(20), default="proposed", index=True, info={"label": _l("Status")})
    note: Mapped[str | None] = mapped_column(Text, info={"label": _l("Note")})
    proposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("base_users.id", ondelete="SET NULL"))
    proposed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("base_users.id", ondelete="SET NULL"))
    approved_on: Mapped[date | None] = mapped_column(Date, index=True, info={"label": _l("Approved on")})
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entries.id", ondelete="RESTRICT"))
    publication_id: Mapped[int | None] = mapped_column(ForeignKey("funds_publications.id", ondelete="SET NULL"),
                                                       index=True)

    round: Mapped[Round] = relationship()
    project: Mapped[Project] = relationship(lazy="joined")
    beneficiary: Mapped[Organisation] = relationship()
    proposed_by: Mapped[User | None] = relationship(foreign_keys=[proposed_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    payments: Mapped[list[Payment]] = relationship(order_by="Payment.id", viewonly=True)

    def __repr__(self) -> str:
        return f"<Allocation {self.id} project={self.project_id} {self.amount} {self.status}>"

    def __str__(self) -> str:
        return f"{self.project} · {self.amount}"


class Payment(Audited, WorkflowMixin, db.Model):
    """Money paid to the beneficiary against an allocation; partial payments never exceed it in total."""

    __tablename__ = "funds_payments"
    __table_args__ = (CheckConstraint("amount > 0", name="amount"),)
    __workflow__ = Workflow(
        "status", PAYMENT_STATES,
        [
            Transition("pay", ("requested",), "paid", _l("Mark paid"), permission="funds.pay"),
            Transition("cancel", ("requested",), "cancelled", _l("Cancel"), permission="funds.pay",
                       reason_required=True),
        ],
        initial="requested", final=("paid", "cancelled"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    allocation_id: Mapped[int] = mapped_column(ForeignKey("funds_allocations.id", ondelete="RESTRICT"), index=True)
    beneficiary_id: Mapped[int] = mapped_column(ForeignKey("base_organisations.id", ondelete="RESTRICT"),
                                                index=True)
    amount: Mapped[Decimal] = mapped_column(Money, info={"label": _l("Amount")})
    status: Mapped[str] = mapped_column(String(20), default="requested", index=True, info={"label": _l("Status")})
    reference: Mapped[str | None] = mapped_column(String(120), info={"label": _l("Transfer reference")})
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("base_users.id", ondelete="SET NULL"))
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    paid_on: Mapped[date | None] = mapped_column(Date, info={"label": _l("Paid on")})
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entries.id", ondelete="RESTRICT"))

    allocation: Mapped[Allocation] = relationship(lazy="joined")
    beneficiary: Mapped[Organisation] = relationship()

    def __repr__(self) -> str:
        return f"<Payment {self.id} allocation={self.allocation_id} {self.amount} {self.status}>"

    def __str__(self) -> str:
        return f"{self.allocation.project} · {self.amount}"
