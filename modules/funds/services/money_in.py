"""Money into the fund: contributions owed then received (called by other modules), donations by hand."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import func, select

from app.extensions import db
from app.models import Organisation
from app.money import to_decimal
from modules.ledger import services as ledger

from ..models import Contribution, Fund, Receipt
from .common import ZERO, FundsError, accounts, italian, lock_fund, money, refusals_roll_back


def _positive(amount: Decimal | str | int) -> Decimal:
    try:
        value = to_decimal(amount, strict=True)
    except ValueError as exc:
        raise FundsError(_("Write the amount in euros with at most two decimals, e.g. 1.234,56.")) from exc
    if value <= 0:
        raise FundsError(_("The amount must be more than zero."))
    return value


def open_fund(name: str, description: str | None = None, commit: bool = True) -> Fund:
    """A new fund with its ledger accounts."""
    fund = Fund(name=name.strip(), description=description)
    db.session.add(fund)
    db.session.flush()
    accounts(fund)
    if commit:
        db.session.commit()
    return fund


def contribution_by_reference(source_reference: str) -> Contribution | None:
    return db.session.scalar(select(Contribution).where(Contribution.source_reference == source_reference))


@refusals_roll_back
def record_contribution_owed(fund: Fund, organisation: Organisation | None, amount: Decimal | str, *,
                             source_reference: str, on: date, description: str, user=None,
                             commit: bool = True) -> Contribution:
    """Record that `organisation` owes `amount` to the fund (a receivable: not available until received).

    Idempotent on `source_reference` (e.g. ``"shop_network.settlement:2026-03:12"``): recording it again
    returns the first record, and refuses a different amount.
    """
    value = _positive(amount)
    existing = contribution_by_reference(source_reference)
    if existing is not None:
        if existing.amount_owed != value:
            raise FundsError(_("“%(ref)s” was already recorded for %(amount)s.", ref=source_reference,
                               amount=money(existing.amount_owed)))
        return existing
    lock_fund(fund.id)
    contribution = Contribution(fund_id=fund.id, organisation_id=getattr(organisation, "id", None),
                                kind="contribution", source_reference=source_reference, description=description,
                                owed_on=on, amount_owed=value, created_by_id=getattr(user, "id", None))
    db.session.add(contribution)
    db.session.flush()
    book = accounts(fund)
    ledger.post(lines=[ledger.debit(book.receivable, value), ledger.credit(book.pledged, value)], on=on,
                description=italian("Contribution owed: %(text)s", text=description), reference=source_reference,
                kind="funds.contribution_owed", idempotency_key=f"funds.contribution:{contribution.id}:owed",
                user=user, commit=False)
    if commit:
        db.session.commit()
    return contribution


@refusals_roll_back
def record_contribution_received(contribution: Contribution, amount: Decimal | str | None = None, *, on: date,
                                 receipt_reference: str, user=None, commit: bool = True) -> Contribution:
    """Record money received for a contribution (all that is still due, or part of it): it becomes available.

    Idempotent on `receipt_reference` (e.g. the bank transaction id): the same receipt twice changes nothing.
    """
    key = f"funds.contribution:{contribution.id}:receipt:{receipt_reference}"
    if ledger.entry_by_key(key) is not None:
        return contribution
    lock_fund(contribution.fund_id)
    db.session.refresh(contribution)
    value = contribution.amount_due if amount is None else _positive(amount)
    if value <= 0 or value > contribution.amount_due:
        raise FundsError(_("Only %(due)s is still due on this contribution.", due=money(contribution.amount_due)))
    book = accounts(contribution.fund)
    entry = ledger.post(lines=[ledger.debit(book.cash, value), ledger.credit(book.receivable, value),
                               ledger.debit(book.pledged, value), ledger.credit(book.available, value)],
                        on=on, description=italian("Contribution received: %(text)s", text=contribution.description),
                        reference=receipt_reference, kind="funds.contribution_received", idempotency_key=key,
                        user=user, commit=False)
    db.session.add(Receipt(contribution_id=contribution.id, amount=value, received_on=on,
                           reference=receipt_reference, entry_id=entry.id))
    contribution.amount_received += value
    contribution.last_received_on = on
    if commit:
        db.session.commit()
    return contribution


@refusals_roll_back
def record_donation(fund: Fund, amount: Decimal | str, *, on: date, reference: str, donor_name: str | None = None,
                    organisation: Organisation | None = None, description: str | None = None, user=None,
                    commit: bool = True) -> Contribution:
    """Record a donation received by the fund (cash at once, available at once); idempotent on `reference`."""
    value = _positive(amount)
    if organisation is None and not (donor_name or "").strip():
        raise FundsError(_("Say who made the donation: an organisation or the donor's name."))
    source = f"funds.donation:{reference}"
    existing = contribution_by_reference(source)
    if existing is not None:
        return existing
    lock_fund(fund.id)
    text = description or italian("Donation from %(donor)s", donor=organisation or donor_name.strip())
    contribution = Contribution(fund_id=fund.id, organisation_id=getattr(organisation, "id", None),
                                donor_name=(donor_name or "").strip() or None, kind="donation",
                                source_reference=source, description=text, owed_on=on, amount_owed=value,
                                amount_received=value, last_received_on=on, created_by_id=getattr(user, "id", None))
    db.session.add(contribution)
    db.session.flush()
    book = accounts(fund)
    entry = ledger.post(lines=[ledger.debit(book.cash, value), ledger.credit(book.available, value)], on=on,
                        description=text, reference=reference, kind="funds.donation",
                        idempotency_key=f"funds.contribution:{contribution.id}:donation", user=user, commit=False)
    db.session.add(Receipt(contribution_id=contribution.id, amount=value, received_on=on, reference=reference,
                           entry_id=entry.id))
    if commit:
        db.session.commit()
    return contribution


def received_total(fund: Fund) -> Decimal:
    stmt = select(func.sum(Contribution.amount_received)).where(Contribution.fund_id == fund.id)
    return db.session.scalar(stmt) or ZERO
