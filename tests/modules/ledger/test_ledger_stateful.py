"""Property test: random postings, replays, refused postings and reversals never break the ledger.

After every step each entry balances, each cached balance equals the sum of its lines and equals the balance a
plain Python model of the same postings expects.
"""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import func, select

from app.extensions import db
from app.money import split
from modules.ledger import services
from modules.ledger.models import Account, JournalEntry
from tests.conftest import _clean

KINDS = ("asset", "liability", "equity", "income", "expense")
AMOUNTS = st.integers(min_value=1, max_value=5_000_000).map(lambda cents: Decimal(cents).scaleb(-2))


class LedgerMachine(RuleBasedStateMachine):
    entries = Bundle("entries")
    app = None

    def __init__(self):
        super().__init__()
        self.expected: dict[int, Decimal] = {}
        self.keys = itertools.count(1)
        self.entry_count = 0

    @initialize(kinds=st.lists(st.sampled_from(KINDS), min_size=2, max_size=4))
    def open_accounts(self, kinds):
        for kind in kinds:
            self.open_account(kind)

    @rule(kind=st.sampled_from(KINDS))
    def open_account(self, kind):
        number = len(self.expected) + 1
        account = services.ensure_account(f"test:{number}", code=f"P{number:03d}", name=f"Conto {number}",
                                          kind=kind)
        db.session.commit()
        self.expected[account.id] = Decimal("0.00")

    @rule(target=entries, data=st.data(), total=AMOUNTS, days=st.integers(0, 60))
    def post(self, data, total, days):
        debit_ids = data.draw(st.lists(self.account_ids(), min_size=1, max_size=3), "debits")
        credit_ids = data.draw(st.lists(self.account_ids(), min_size=1, max_size=3), "credits")
        weights = data.draw(st.lists(st.integers(1, 9), min_size=len(debit_ids), max_size=len(debit_ids)))
        lines = [services.debit(_account(i), a) for i, a in zip(debit_ids, split(total, weights), strict=True)
                 if a > 0]
        lines += [services.credit(_account(i), a) for i, a in zip(credit_ids, split(total, [1] * len(credit_ids)),
                                                                   strict=True) if a > 0]
        if len(lines) < 2:
            return multiple()
        entry = services.post(lines=lines, on=date(2026, 1, 1) + timedelta(days=days), description="prop",
                              idempotency_key=f"prop:{next(self.keys)}")
        self._expect(entry)
        return entry.id

    @rule(entry_id=entries, extra=AMOUNTS)
    def replay_with_the_same_key(self, entry_id, extra):
        entry = db.session.get(JournalEntry, entry_id)
        lines = [services.debit(entry.lines[0].account, extra), services.credit(entry.lines[-1].account, extra)]
        again = services.post(lines=lines, on=entry.date, description="replay",
                              idempotency_key=entry.idempotency_key)
        assert again.id == entry.id

    @rule(data=st.data(), amount=AMOUNTS)
    def unbalanced_posting_is_refused(self, data, amount):
        first, second = data.draw(self.account_ids()), data.draw(self.account_ids())
        lines = [services.debit(_account(first), amount),
                 services.credit(_account(second), amount + Decimal("0.01"))]
        try:
            services.post(lines=lines, on=date(2026, 1, 1), description="bad", idempotency_key="never")
        except services.LedgerError:
            db.session.rollback()
        else:
            raise AssertionError("an unbalanced entry was posted")

    @rule(target=entries, entry_id=entries)
    def reverse(self, entry_id):
        entry = db.session.get(JournalEntry, entry_id)
        if entry.reversal_of_id is not None:
            try:
                services.reverse(entry)
            except services.LedgerError:
                return multiple()
            raise AssertionError("a reversal was reversed")
        already = entry.reversed_by is not None
        reversal = services.reverse(entry)
        if not already:
            self._expect(reversal)
        return reversal.id

    def account_ids(self):
        return st.sampled_from(sorted(self.expected))

    def _expect(self, entry: JournalEntry) -> None:
        self.entry_count += 1
        for line in entry.lines:
            self.expected[line.account_id] += line.debit - line.credit

    @invariant()
    def every_entry_balances_and_every_balance_is_the_sum_of_its_lines(self):
        assert services.check() == []
        assert db.session.scalar(select(func.count()).select_from(JournalEntry)) == self.entry_count
        cached = dict(db.session.execute(select(Account.id, Account.balance)).all())
        assert cached == self.expected == services.lines_balance(list(self.expected))

    def teardown(self):
        db.session.remove()  # end this example's transaction first: PostgreSQL's TRUNCATE waits for it
        _clean(self.app)


def _account(account_id: int) -> Account:
    return db.session.get(Account, account_id)


def test_random_postings_and_reversals_keep_the_ledger_balanced(app, ctx):
    LedgerMachine.app = app
    run_state_machine_as_test(LedgerMachine, settings=settings(
        max_examples=30, stateful_step_count=20, deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]))
