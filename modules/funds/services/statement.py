"""The fund statement for a period: opening balance, movements by kind, closing balance, allocations by
project — from the ledger (balances and movements) and the allocations and payments behind them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.extensions import db
from modules.ledger import services as ledger

from ..models import Allocation, Fund, Payment, Project, Round
from .common import ZERO, accounts

KIND_LABELS = {
    "funds.contribution_received": _l("Contributions received"),
    "funds.donation": _l("Donations"),
    "funds.allocation": _l("Allocations approved"),
    "funds.allocation.reversal": _l("Allocations revoked"),
    "funds.payment": _l("Payments to beneficiaries"),
    "manual": _l("Manual entries"),
    "manual.reversal": _l("Reversals of manual entries"),
}


@dataclass
class MovementLine:
    kind: str
    label: object
    cash: Decimal = ZERO
    available: Decimal = ZERO


@dataclass
class ProjectLine:
    project: Project
    approved: Decimal = ZERO
    paid: Decimal = ZERO


@dataclass
class Statement:
    fund: Fund
    start: date
    end: date
    opening_cash: Decimal
    opening_available: Decimal
    closing_cash: Decimal
    closing_available: Decimal
    movements: list[MovementLine] = field(default_factory=list)
    projects: list[ProjectLine] = field(default_factory=list)

    @property
    def net_cash(self) -> Decimal:
        return sum((m.cash for m in self.movements), ZERO)

    @property
    def net_available(self) -> Decimal:
        return sum((m.available for m in self.movements), ZERO)


def _movements(fund: Fund, start: date, end: date) -> list[MovementLine]:
    book = accounts(fund)
    lines: dict[str, MovementLine] = {}
    for movement in ledger.movements([book.cash.id, book.available.id], start, end):
        line = lines.setdefault(movement.kind, MovementLine(movement.kind, KIND_LABELS.get(movement.kind,
                                                                                          movement.kind)))
        if movement.account_id == book.cash.id:
            line.cash += movement.debit - movement.credit  # an asset grows with debits
        else:
            line.available += movement.credit - movement.debit  # equity grows with credits
    order = list(KIND_LABELS)
    return sorted(lines.values(), key=lambda m: (order.index(m.kind) if m.kind in order else len(order), m.kind))


def _projects(fund: Fund, start: date, end: date) -> list[ProjectLine]:
    in_fund = select(Allocation.id).join(Round, Round.id == Allocation.round_id).where(Round.fund_id == fund.id)
    approved = db.session.execute(
        select(Allocation.project_id, func.sum(Allocation.amount))
        .where(Allocation.id.in_(in_fund), Allocation.status.in_(("approved", "revoked")),
               Allocation.approved_on.between(start, end)).group_by(Allocation.project_id)).all()
    paid = db.session.execute(
        select(Allocation.project_id, func.sum(Payment.amount)).join(Allocation, Allocation.id == Payment.allocation_id)
        .where(Allocation.id.in_(in_fund), Payment.status == "paid", Payment.paid_on.between(start, end))
        .group_by(Allocation.project_id)).all()
    lines: dict[int, ProjectLine] = {}
    for project_id, amount in approved:
        lines.setdefault(project_id, ProjectLine(db.session.get(Project, project_id))).approved = amount
    for project_id, amount in paid:
        lines.setdefault(project_id, ProjectLine(db.session.get(Project, project_id))).paid = amount
    return sorted(lines.values(), key=lambda line: line.project.title)


def fund_statement(fund: Fund, start: date, end: date) -> Statement:
    """The statement of `fund` from `start` to `end` (both included)."""
    book = accounts(fund)
    before = start - timedelta(days=1)
    return Statement(
        fund=fund, start=start, end=end,
        opening_cash=ledger.natural_balance(book.cash, as_of=before),
        opening_available=ledger.natural_balance(book.available, as_of=before),
        closing_cash=ledger.natural_balance(book.cash, as_of=end),
        closing_available=ledger.natural_balance(book.available, as_of=end),
        movements=_movements(fund, start, end), projects=_projects(fund, start, end))


STATEMENT_COLUMNS = [("section", _l("Section")), ("item", _l("Item")), ("cash", _l("Cash")),
                     ("available", _l("Available")), ("approved", _l("Allocated")), ("paid", _l("Paid"))]


def statement_rows(statement: Statement) -> list[dict]:
    """The statement as spreadsheet rows (XLSX): balances, movements by kind, projects."""
    balances, movements, projects = str(_l("Balances")), str(_l("Movements")), str(_l("Allocations by project"))
    rows = [{"section": balances, "item": str(_l("Opening balance")), "cash": statement.opening_cash,
             "available": statement.opening_available}]
    rows += [{"section": movements, "item": str(m.label), "cash": m.cash, "available": m.available}
             for m in statement.movements]
    rows.append({"section": balances, "item": str(_l("Closing balance")), "cash": statement.closing_cash,
                 "available": statement.closing_available})
    rows += [{"section": projects, "item": f"{line.project.title} — {line.project.beneficiary.legal_name}",
              "approved": line.approved, "paid": line.paid} for line in statement.projects]
    return rows
