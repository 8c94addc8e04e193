"""Property test: random money in, allocations (proposed, approved, rejected, revoked) and payments.

After every step: every ledger entry balances, every balance equals the sum of its lines, no account of the fund
is negative, and the ledger agrees with the records (available = received − allocated, cash = received − paid).
"""

from __future__ import annotations

import contextlib
import itertools
from datetime import date
from decimal import Decimal

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test
from sqlalchemy import select

from app.extensions import db
from app.workflow import WorkflowError
from modules.funds import services
from modules.funds.models import Allocation, Contribution, Payment
from modules.funds.services.public import totals
from modules.ledger import services as ledger
from tests.conftest import _clean
from tests.modules.funds.factories import FundFactory
from tests.modules.funds.helpers import admitted, officials, ranked_round

AMOUNTS = st.integers(min_value=1, max_value=300_000).map(lambda cents: Decimal(cents).scaleb(-2))
REFUSED = (services.FundsError, WorkflowError)


class FundMachine(RuleBasedStateMachine):
    app = None

    def __init__(self):
        super().__init__()
        self.serial = itertools.count(1)

    @initialize()
    def a_fund_with_a_ranked_round(self):
        self.people = officials()
        self.fund = FundFactory()
        self.projects = [admitted(budget=Decimal("2000.00")) for _ in range(3)]
        self.round = ranked_round(self.fund, self.projects, self.people.municipality, amount="5000.00")

    def _pick(self, data, model, **filters):
        stmt = select(model.id).order_by(model.id)
        for name, value in filters.items():
            stmt = stmt.where(getattr(model, name) == value)
        ids = list(db.session.scalars(stmt))
        return db.session.get(model, data.draw(st.sampled_from(ids))) if ids else None

    @rule(amount=AMOUNTS)
    def contribution_owed(self, amount):
        services.record_contribution_owed(self.fund, None, amount, source_reference=f"s{next(self.serial)}",
                                          on=date(2026, 1, 5), description="contributo")

    @rule(data=st.data(), amount=st.one_of(st.none(), AMOUNTS))
    def contribution_received(self, data, amount):
        contribution = self._pick(data, Contribution, kind="contribution")
        if contribution is None:
            return
        try:
            services.record_contribution_received(contribution, amount, on=date(2026, 1, 6),
                                                  receipt_reference=f"r{next(self.serial)}")
        except REFUSED:
            assert amount is None and contribution.amount_due == 0 or amount > contribution.amount_due

    @rule(amount=AMOUNTS)
    def donation(self, amount):
        services.record_donation(self.fund, amount, on=date(2026, 1, 7), reference=f"d{next(self.serial)}",
                                 donor_name="Anna")

    @rule(data=st.data(), amount=AMOUNTS, approve=st.booleans())
    def allocate(self, data, amount, approve):
        project = data.draw(st.sampled_from(self.projects))
        try:
            allocation = services.propose_allocation(self.round, project, amount, self.people.coordinator)
        except REFUSED:
            return
        if approve:
            with contextlib.suppress(*REFUSED):
                services.approve_allocation(allocation.id, self.people.municipality, on=date(2026, 2, 1))
        else:
            services.reject_allocation(allocation.id, self.people.other_municipality, reason="no")

    @rule(data=st.data(), amount=AMOUNTS, pay=st.booleans())
    def payment(self, data, amount, pay):
        allocation = self._pick(data, Allocation, status="approved")
        if allocation is None:
            return
        with contextlib.suppress(*REFUSED):
            payment = services.request_payment(allocation, amount, self.people.coordinator)
            if pay:
                services.mark_paid(payment, self.people.coordinator, on=date(2026, 3, 1))

    @rule(data=st.data())
    def revoke(self, data):
        allocation = self._pick(data, Allocation, status="approved")
        if allocation is not None:
            try:
                services.revoke_allocation(allocation.id, self.people.other_municipality, reason="rinuncia")
            except REFUSED:
                assert db.session.scalar(select(Payment.id).where(Payment.allocation_id == allocation.id))

    @invariant()
    def the_books_balance_and_nothing_is_negative(self):
        if not hasattr(self, "fund"):
            return
        assert ledger.check() == []
        book = services.accounts(self.fund)
        balances = [ledger.natural_balance(account) for account in (book.cash, book.receivable, book.pledged,
                                                                    book.available)]
        commitments = [ledger.account_by_key(f"funds.fund:{self.fund.id}:project:{p.id}") for p in self.projects]
        balances += [ledger.natural_balance(account) for account in commitments if account is not None]
        assert min(balances) >= 0, balances
        figures = totals(self.fund)
        assert figures.available == figures.received - figures.allocated
        assert ledger.natural_balance(book.cash) == figures.received - figures.paid
        assert ledger.natural_balance(book.receivable) == figures.receivable == ledger.natural_balance(book.pledged)

    def teardown(self):
        db.session.remove()  # end this example's transaction first: PostgreSQL's TRUNCATE waits for it
        _clean(self.app)


def test_random_fund_operations_keep_every_account_balanced_and_never_negative(app, ctx):
    FundMachine.app = app
    run_state_machine_as_test(FundMachine, settings=settings(
        max_examples=20, stateful_step_count=15, deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]))
