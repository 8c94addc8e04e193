"""Payments to beneficiaries against approved allocations: partial payments, never more than allocated in
total, and never before the art. 26–27 publication the allocation needs."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import func, select

from app.dates import today
from app.extensions import db
from app.workflow import fire
from modules.ledger import services as ledger

from ..models import Allocation, Payment, Round
from . import transparency
from .common import (
    ZERO,
    FundsError,
    accounts,
    commitment_account,
    italian,
    lock_fund,
    money,
    refusals_roll_back,
    require,
)
from .money_in import _positive


def paid_total(allocation: Allocation, states: tuple[str, ...] = ("paid",)) -> Decimal:
    stmt = select(func.sum(Payment.amount)).where(Payment.allocation_id == allocation.id, Payment.status.in_(states))
    return db.session.scalar(stmt) or ZERO


def payable(allocation: Allocation) -> Decimal:
    """What can still be asked on the allocation: its amount less payments made or waiting."""
    return allocation.amount - paid_total(allocation, ("paid", "requested"))


def _fund_id(allocation: Allocation) -> int:
    return db.session.scalar(select(Round.fund_id).where(Round.id == allocation.round_id))


@refusals_roll_back
def request_payment(allocation: Allocation, amount: Decimal | str, user, reference: str | None = None) -> Payment:
    """A payment to make on an approved allocation (``funds.pay``); all payments together never exceed it."""
    require(user, "funds.pay")
    value = _positive(amount)
    lock_fund(_fund_id(allocation))
    db.session.refresh(allocation)
    if allocation.status != "approved":
        raise FundsError(_("Payments are made on approved allocations only."))
    left = payable(allocation)
    if value > left:
        raise FundsError(_("Payments cannot exceed the allocation: %(left)s left of %(total)s.", left=money(left),
                           total=money(allocation.amount)))
    payment = Payment(allocation_id=allocation.id, beneficiary_id=allocation.beneficiary_id, amount=value,
                      reference=reference, requested_by_id=user.id)
    db.session.add(payment)
    db.session.commit()
    return payment


@refusals_roll_back
def mark_paid(payment: Payment, user, on: date | None = None, reference: str | None = None) -> Payment:
    """The money has left the fund: post it from the project's commitments to cash. Refused while the
    allocation's art. 26–27 record is not published."""
    fund = lock_fund(_fund_id(payment.allocation))
    db.session.refresh(payment)
    Payment.__workflow__.check(payment, "pay", user, None)
    refusal = transparency.refusal_for_payment(payment.allocation)
    if refusal:
        raise FundsError(refusal)
    paid_on = on or today()
    allocation = payment.allocation
    entry = ledger.post(
        lines=[ledger.debit(commitment_account(fund, allocation.project), payment.amount),
               ledger.credit(accounts(fund).cash, payment.amount)],
        on=paid_on, kind="funds.payment", reference=reference or payment.reference or f"funds.payment:{payment.id}",
        description=italian("Payment to %(beneficiary)s for “%(project)s”", beneficiary=allocation.beneficiary,
                            project=allocation.project.title),
        idempotency_key=f"funds.payment:{payment.id}", user=user, commit=False)
    payment.entry_id, payment.paid_on = entry.id, paid_on
    payment.reference = reference or payment.reference
    fire(payment, "pay", user, commit=False)
    db.session.commit()
    return payment


@refusals_roll_back
def cancel_payment(payment: Payment, user, reason: str) -> Payment:
    fire(payment, "cancel", user, reason=reason, commit=False)
    db.session.commit()
    return payment
