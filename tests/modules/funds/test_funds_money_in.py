"""Money into the fund: a receivable first (not available), then cash (available); donations by hand."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.extensions import db
from modules.funds import services
from modules.funds.models import Contribution, Receipt
from modules.ledger import services as ledger
from modules.ledger.models import JournalEntry
from tests.factories import OrganisationFactory
from tests.modules.funds.factories import FundFactory

D = Decimal


def _owed(fund, amount="33.00", reference="shop_network.settlement:2026-03:12"):
    return services.record_contribution_owed(fund, OrganisationFactory(legal_name="Sa Butega"), amount,
                                             source_reference=reference, on=date(2026, 4, 5),
                                             description="Restituzione marzo 2026")


def test_money_owed_is_a_receivable_and_is_not_available(ctx):
    fund = FundFactory()
    _owed(fund)
    book = services.accounts(fund)
    assert ledger.natural_balance(book.receivable) == D("33.00")
    assert services.available(fund) == 0 and ledger.natural_balance(book.cash) == 0


def test_money_received_becomes_cash_and_available(ctx):
    fund = FundFactory()
    contribution = services.record_contribution_received(_owed(fund), on=date(2026, 4, 20),
                                                         receipt_reference="CRO 0001")
    book = services.accounts(fund)
    assert contribution.amount_received == D("33.00") and contribution.amount_due == 0
    assert services.available(fund) == D("33.00") == ledger.natural_balance(book.cash)
    assert ledger.natural_balance(book.receivable) == 0 == ledger.natural_balance(book.pledged)
    assert ledger.check() == []


def test_a_contribution_can_be_received_in_parts_never_beyond_what_is_owed(ctx, italian):
    fund = FundFactory()
    contribution = _owed(fund, "100.00")
    services.record_contribution_received(contribution, "60.00", on=date(2026, 4, 20), receipt_reference="r1")
    with pytest.raises(services.FundsError, match=r"solo € 40,00"):
        services.record_contribution_received(contribution, "40.01", on=date(2026, 4, 21), receipt_reference="r2")
    services.record_contribution_received(contribution, on=date(2026, 5, 2), receipt_reference="r3")
    assert contribution.amount_received == D("100.00") and services.available(fund) == D("100.00")
    assert [r.amount for r in db.session.scalars(select(Receipt).order_by(Receipt.id))] == [D("60.00"), D("40.00")]


def test_recording_the_same_source_or_receipt_twice_creates_nothing(ctx):
    fund = FundFactory()
    first = _owed(fund)
    assert _owed(fund).id == first.id
    services.record_contribution_received(first, "10.00", on=date(2026, 4, 20), receipt_reference="CRO 7")
    services.record_contribution_received(first, "10.00", on=date(2026, 4, 20), receipt_reference="CRO 7")
    assert db.session.scalar(select(func.count()).select_from(Contribution)) == 1
    assert db.session.scalar(select(func.count()).select_from(JournalEntry)) == 2
    assert services.available(fund) == D("10.00")


def test_the_same_source_with_another_amount_is_refused(ctx):
    fund = FundFactory()
    _owed(fund, "33.00")
    with pytest.raises(services.FundsError):
        _owed(fund, "34.00")


def test_a_contribution_recorded_inside_the_callers_transaction_commits_with_it(ctx):
    fund = FundFactory()
    contribution = services.record_contribution_owed(fund, None, "5.00", source_reference="caller:1",
                                                     on=date(2026, 4, 1), description="x", commit=False)
    db.session.rollback()
    assert db.session.get(Contribution, contribution.id) is None
    assert db.session.scalar(select(func.count()).select_from(JournalEntry)) == 0


def test_a_donation_by_hand_is_available_at_once_and_says_who_gave_it(ctx):
    fund = FundFactory()
    donation = services.record_donation(fund, "250,00", on=date(2026, 5, 4), reference="bonifico 55",
                                        donor_name="Maria Rossi")
    assert donation.kind == "donation" and donation.amount_received == D("250.00")
    assert services.available(fund) == D("250.00")
    with pytest.raises(services.FundsError):
        services.record_donation(fund, "10.00", on=date(2026, 5, 4), reference="anonima")


@pytest.mark.parametrize("amount", ["0", "-5", "1,234", "12.345", "abc"])
def test_amounts_must_be_positive_euros_with_cents(ctx, amount):
    with pytest.raises(services.FundsError):
        services.record_donation(FundFactory(), amount, on=date(2026, 5, 4), reference=f"x{amount}",
                                 donor_name="Anna")
