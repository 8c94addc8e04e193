"""The ledger's rules: balanced entries, idempotency keys, immutability, reversals, derived balances, check."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from flask_babel import force_locale
from sqlalchemy import delete, func, select, text, update

from app.extensions import db
from modules.ledger import services
from modules.ledger.models import Account, JournalEntry, JournalLine, LedgerImmutable
from tests.conftest import IS_POSTGRES
from tests.modules.ledger.factories import AccountFactory, post_entry

D = Decimal


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_balanced_entry_is_posted_with_its_lines_and_moves_both_balances(ctx):
    cash, income = AccountFactory(kind="asset"), AccountFactory(kind="income")
    entry = services.post(lines=[services.debit(cash, "250.10"), services.credit(income, "250.10")],
                          on=date(2026, 2, 3), description="Contributo", idempotency_key="k1", reference="doc-1")
    assert [(line.debit, line.credit) for line in entry.lines] == [(D("250.10"), D("0.00")),
                                                                   (D("0.00"), D("250.10"))]
    assert services.balance(cash) == D("250.10") and services.balance(income) == D("-250.10")
    assert services.natural_balance(cash) == services.natural_balance(income) == D("250.10")
    assert entry.total == D("250.10") and entry.reference == "doc-1"


@pytest.mark.parametrize("amounts", [("100.00", "99.99"), ("0.01", "0.00")])
def test_an_unbalanced_entry_is_refused_by_the_service_and_nothing_is_written(ctx, amounts):
    cash, income = AccountFactory(), AccountFactory(kind="income")
    lines = [services.debit(cash, amounts[0]), services.Line(income, credit=D(amounts[1]))]
    with pytest.raises(services.LedgerError):
        services.post(lines=lines, on=date(2026, 1, 1), description="x", idempotency_key="bad")
    db.session.rollback()
    assert _count(JournalEntry) == 0 and services.balance(cash) == 0


def test_the_refusal_says_what_does_not_balance_in_italian(ctx):
    cash, income = AccountFactory(), AccountFactory(kind="income")
    lines = [services.debit(cash, "1200.00"), services.credit(income, "1100.00")]
    with force_locale("it"), pytest.raises(services.LedgerError) as refused:
        services.post(lines=lines, on=date(2026, 1, 1), description="x", idempotency_key="bad")
    assert str(refused.value) == ("La registrazione non quadra: dare € 1.200,00, avere € 1.100,00.")


@pytest.mark.parametrize("line", [
    lambda a: services.Line(a, debit=D("5.00"), credit=D("5.00")),
    lambda a: services.Line(a, debit=D("-5.00")),
    lambda a: services.Line(a),
    lambda a: services.Line(a, debit=D("5.001")),
])
def test_a_line_is_one_positive_debit_or_credit_in_cents(ctx, line):
    cash = AccountFactory()
    with pytest.raises(services.LedgerError):
        services.check_balanced([line(cash), line(cash)])


def test_an_entry_needs_two_lines(ctx):
    with pytest.raises(services.LedgerError):
        services.check_balanced([services.debit(AccountFactory(), "1.00")])


def test_posting_the_same_idempotency_key_twice_returns_the_first_entry_and_creates_nothing(ctx):
    cash, income = AccountFactory(), AccountFactory(kind="income")
    first = post_entry(D("40.00"), cash, income, idempotency_key="settlement:2026-03:7")
    again = post_entry(D("999.00"), cash, income, idempotency_key="settlement:2026-03:7")
    assert again.id == first.id
    assert _count(JournalEntry) == 1 and _count(JournalLine) == 2
    assert services.balance(cash) == D("40.00")


def test_a_closed_account_takes_no_postings(ctx):
    closed = AccountFactory(is_active=False)
    with pytest.raises(services.LedgerError):
        post_entry(D("1.00"), closed)


def test_posted_entries_and_lines_are_never_updated_or_deleted_through_the_orm(ctx):
    entry = post_entry()
    entry.description = "changed"
    with pytest.raises(LedgerImmutable):
        db.session.flush()
    db.session.rollback()
    db.session.delete(entry.lines[0])
    with pytest.raises(LedgerImmutable):
        db.session.flush()
    db.session.rollback()
    for statement in (update(JournalLine).values(memo="x"), delete(JournalEntry)):
        with pytest.raises(LedgerImmutable):
            db.session.execute(statement)
    db.session.rollback()
    assert db.session.get(JournalEntry, entry.id).description == "Registrazione di prova"


def test_a_posted_entry_cannot_get_new_lines(ctx):
    entry = post_entry()
    db.session.add(JournalLine(entry=entry, account=entry.lines[0].account, debit=D("1.00")))
    with pytest.raises(LedgerImmutable):
        db.session.flush()
    db.session.rollback()


def test_a_reversal_mirrors_the_entry_links_to_it_and_restores_the_balances(ctx):
    cash, income = AccountFactory(), AccountFactory(kind="income")
    original = post_entry(D("75.50"), cash, income, on=date(2026, 3, 2), reference="ricevuta 12")
    reversal = services.reverse(original, on=date(2026, 3, 5))
    assert reversal.reversal_of_id == original.id and original.reversed_by.id == reversal.id
    assert [(line.account_id, line.debit, line.credit) for line in reversal.lines] == [
        (cash.id, D("0.00"), D("75.50")), (income.id, D("75.50"), D("0.00"))]
    assert services.balance(cash) == services.balance(income) == 0
    assert services.balance(cash, as_of=date(2026, 3, 4)) == D("75.50")
    assert reversal.reference == "ricevuta 12" and reversal.kind == "manual.reversal"


def test_reversing_twice_returns_the_first_reversal_and_a_reversal_is_not_reversed(ctx):
    original = post_entry()
    first = services.reverse(original)
    assert services.reverse(original).id == first.id
    assert _count(JournalEntry) == 2
    with pytest.raises(services.LedgerError):
        services.reverse(first)


def test_balances_up_to_a_date_come_from_the_lines(ctx):
    cash, income = AccountFactory(), AccountFactory(kind="income")
    post_entry(D("10.00"), cash, income, on=date(2026, 1, 31))
    post_entry(D("0.10"), cash, income, on=date(2026, 2, 1))
    post_entry(D("0.20"), cash, income, on=date(2026, 2, 28))
    assert services.balance(cash, as_of=date(2026, 1, 31)) == D("10.00")
    assert services.balance(cash, as_of=date(2026, 2, 28)) == D("10.30") == services.balance(cash)
    assert [m.debit for m in services.movements([cash.id], date(2026, 2, 1), date(2026, 2, 28))] == [
        D("0.10"), D("0.20")]


def test_ten_postings_of_ten_cents_sum_to_exactly_one_euro(ctx):
    cash, income = AccountFactory(), AccountFactory(kind="income")
    for _ in range(10):
        post_entry(D("0.10"), cash, income)
    assert services.balance(cash) == D("1.00") == services.lines_balance([cash.id])[cash.id]


def test_ensure_account_creates_a_modules_account_once(ctx):
    first = services.ensure_account("funds.fund:1:cash", code="F1-CASH", name="Cassa", kind="asset")
    again = services.ensure_account("funds.fund:1:cash", code="other", name="other", kind="asset")
    assert again.id == first.id and _count(Account) == 1


def _tamper(sql: str, **params) -> None:
    """Change the tables behind the ledger's back, as another program could (PostgreSQL's triggers off)."""
    with db.engine.begin() as conn:
        if IS_POSTGRES:
            conn.execute(text("SET LOCAL session_replication_role = replica"))
        conn.execute(text(sql), params)


def test_check_finds_a_cached_balance_that_differs_from_its_lines_and_fix_rewrites_it(ctx):
    cash, income = AccountFactory(code="CASSA"), AccountFactory(kind="income")
    post_entry(D("30.00"), cash, income)
    _tamper("UPDATE ledger_accounts SET balance = 9999 WHERE id = :id", id=cash.id)
    db.session.expire_all()
    problems = services.check()
    assert [(p.kind, p.record, p.expected, p.found) for p in problems] == [
        ("cached_balance", "account CASSA", D("30.00"), D("99.99"))]
    services.check(fix=True)
    assert services.check() == [] and services.balance(cash) == D("30.00")


def test_check_reports_an_entry_that_does_not_balance(ctx):
    entry = post_entry(D("30.00"))
    _tamper("UPDATE ledger_lines SET debit = 2500 WHERE id = :id", id=entry.lines[0].id)
    problems = [p for p in services.check() if p.kind == "unbalanced_entry"]
    assert [(p.record, p.expected, p.found) for p in problems] == [
        (f"entry {entry.id} (2 lines)", D("25.00"), D("30.00"))]


def test_flask_ledger_check_exits_non_zero_on_a_difference(app, ctx):
    post_entry(D("5.00"))
    runner = app.test_cli_runner()
    ok = runner.invoke(args=["ledger", "check"])
    assert ok.exit_code == 0 and "consistent" in ok.output
    _tamper("UPDATE ledger_accounts SET balance = balance + 1")
    bad = runner.invoke(args=["ledger", "check"])
    assert bad.exit_code == 1 and "cached_balance" in bad.output
    fixed = runner.invoke(args=["ledger", "check", "--fix"])
    assert fixed.exit_code == 0 and "rewritten" in fixed.output
    assert runner.invoke(args=["ledger", "check"]).exit_code == 0
