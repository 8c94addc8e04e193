"""The ledger's operations: accounts for other modules, balanced postings, reversals, balances, reconciliation.

Every posting goes through :func:`post`: it refuses an entry that does not balance, writes the entry and its
lines, and adds each line to its account's cached balance with one ``UPDATE … SET balance = balance + x``
per account, in account-id order (the same order in every transaction, so two postings never deadlock).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.money import format_money, to_decimal

from .models import ACCOUNT_KINDS, Account, JournalEntry, JournalLine

ZERO = Decimal("0.00")


class LedgerError(ValueError):
    """A refused posting or account; the message is translated and meant for the user."""


@dataclass(frozen=True)
class Line:
    """A line to post: `debit` or `credit` (one of them positive) on `account`."""

    account: Account
    debit: Decimal = ZERO
    credit: Decimal = ZERO
    memo: str | None = None


def debit(account: Account, amount: Decimal | str | int, memo: str | None = None) -> Line:
    return Line(account, debit=to_decimal(amount), memo=memo)


def credit(account: Account, amount: Decimal | str | int, memo: str | None = None) -> Line:
    return Line(account, credit=to_decimal(amount), memo=memo)


# Accounts ---------------------------------------------------------------------------------------------------
def account_by_key(owner_key: str) -> Account | None:
    return db.session.scalar(select(Account).where(Account.owner_key == owner_key))


def ensure_account(owner_key: str, *, code: str, name: str, kind: str,
                   organisation_id: int | None = None) -> Account:
    """The account kept for `owner_key`, created (flushed, not committed) the first time."""
    if kind not in ACCOUNT_KINDS:
        raise ValueError(f"unknown account kind {kind!r}")
    account = account_by_key(owner_key)
    if account is None:
        account = Account(owner_key=owner_key, code=code, name=name, kind=kind, organisation_id=organisation_id)
        db.session.add(account)
        db.session.flush()
    return account


# Posting ----------------------------------------------------------------------------------------------------
def entry_by_key(idempotency_key: str) -> JournalEntry | None:
    return db.session.scalar(select(JournalEntry).where(JournalEntry.idempotency_key == idempotency_key))


def _money(value: Decimal) -> str:
    return format_money(value, str(get_locale() or "it"))


def _check_line(line: Line) -> None:
    for amount in (line.debit, line.credit):
        if to_decimal(amount) != to_decimal(amount).quantize(Decimal("0.01")):
            raise LedgerError(_("Amounts have at most two decimals."))
    if (line.debit > 0) == (line.credit > 0) or line.debit < 0 or line.credit < 0:
        raise LedgerError(_("Each line is either a debit or a credit, and more than zero."))
    if not line.account.is_active:
        raise LedgerError(_("The account %(account)s is closed.", account=line.account))


def check_balanced(lines: Sequence[Line]) -> None:
    """Raise LedgerError unless `lines` make a valid entry: two lines or more, debits equal to credits."""
    if len(lines) < 2:
        raise LedgerError(_("An entry needs at least two lines."))
    for line in lines:
        _check_line(line)
    debits = sum((line.debit for line in lines), ZERO)
    credits = sum((line.credit for line in lines), ZERO)
    if debits != credits:
        raise LedgerError(_("The entry does not balance: debits %(debits)s, credits %(credits)s.",
                            debits=_money(debits), credits=_money(credits)))


def _add_to_balances(lines: Iterable[JournalLine]) -> None:
    deltas: dict[int, Decimal] = {}
    for line in lines:
        deltas[line.account_id] = deltas.get(line.account_id, ZERO) + line.debit - line.credit
    table = Account.__table__
    for account_id in sorted(deltas):  # one lock order for every transaction: no deadlocks
        db.session.execute(update(table).where(table.c.id == account_id)
                           .values(balance=table.c.balance + deltas[account_id]))
    for line in lines:
        db.session.expire(line.account, ["balance"])


def post(*, lines: Sequence[Line], on: date, description: str, idempotency_key: str,
         reference: str | None = None, kind: str = "manual", user=None, reversal_of: JournalEntry | None = None,
         commit: bool = True) -> JournalEntry:
    """Post a balanced entry, or return the entry already posted with `idempotency_key` (nothing is created).

    With ``commit=False`` the caller's transaction holds the entry and commits it with its own changes.
    """
    existing = entry_by_key(idempotency_key)
    if existing is not None:
        return existing
    check_balanced(lines)
    entry = JournalEntry(date=on, description=description[:300], reference=reference, kind=kind,
                         idempotency_key=idempotency_key, created_by_id=getattr(user, "id", None),
                         reversal_of_id=reversal_of.id if reversal_of is not None else None)
    entry.lines = [JournalLine(account=line.account, account_id=line.account.id, debit=line.debit,
                               credit=line.credit, memo=line.memo) for line in lines]
    db.session.add(entry)
    db.session.flush()
    _add_to_balances(entry.lines)
    return _commit(entry) if commit else entry


def _commit(entry: JournalEntry) -> JournalEntry:
    """Commit; if another transaction posted the same key first, give back that entry instead."""
    key = entry.idempotency_key
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        first = entry_by_key(key)
        if first is None:
            raise
        return first
    return entry


def reverse(entry: JournalEntry, *, on: date | None = None, description: str | None = None, user=None,
            commit: bool = True) -> JournalEntry:
    """Post the mirror of `entry` (debits become credits), linked to it; reversing twice returns the first."""
    if entry.reversal_of_id is not None:
        raise LedgerError(_("A reversal cannot itself be reversed: post a new entry instead."))
    lines = [Line(line.account, debit=line.credit, credit=line.debit, memo=line.memo) for line in entry.lines]
    return post(lines=lines, on=on or date.today(), user=user, reversal_of=entry, commit=commit,
                description=description or _("Reversal of entry %(id)s: %(text)s", id=entry.id,
                                             text=entry.description),
                idempotency_key=f"ledger.reversal:{entry.id}", reference=entry.reference,
                kind=f"{entry.kind}.reversal")


# Balances ---------------------------------------------------------------------------------------------------
def balance(account: Account, as_of: date | None = None) -> Decimal:
    """Debits minus credits: the cached total (read fresh from the database), or up to `as_of` from the lines."""
    if as_of is None:
        return db.session.scalar(select(Account.balance).where(Account.id == account.id))
    stmt = (select(func.coalesce(func.sum(JournalLine.debit - JournalLine.credit), ZERO))
            .join(JournalEntry, JournalEntry.id == JournalLine.entry_id)
            .where(JournalLine.account_id == account.id, JournalEntry.date <= as_of))
    return db.session.scalar(stmt)


def natural_balance(account: Account, as_of: date | None = None) -> Decimal:
    """The balance on the account's normal side: what an asset holds, what a liability owes."""
    value = balance(account, as_of)
    return value if account.is_debit_normal else -value


def lines_balance(account_ids: Sequence[int]) -> dict[int, Decimal]:
    """Debits minus credits of every line, per account (the truth the cache must equal)."""
    stmt = (select(JournalLine.account_id, func.sum(JournalLine.debit - JournalLine.credit))
            .where(JournalLine.account_id.in_(account_ids)).group_by(JournalLine.account_id))
    found = dict(db.session.execute(stmt).all())
    return {account_id: found.get(account_id, ZERO) for account_id in account_ids}


@dataclass(frozen=True)
class Movement:
    entry_id: int
    date: date
    kind: str
    description: str
    reference: str | None
    account_id: int
    debit: Decimal
    credit: Decimal


def movements(account_ids: Sequence[int], start: date | None = None, end: date | None = None, *,
              newest_first: bool = False, limit: int | None = None) -> list[Movement]:
    """Lines of `account_ids` between `start` and `end` (both included), by date and entry."""
    order = (JournalEntry.date, JournalEntry.id, JournalLine.id)
    stmt = (select(JournalEntry.id, JournalEntry.date, JournalEntry.kind, JournalEntry.description,
                   JournalEntry.reference, JournalLine.account_id, JournalLine.debit, JournalLine.credit)
            .join(JournalLine, JournalLine.entry_id == JournalEntry.id)
            .where(JournalLine.account_id.in_(account_ids))
            .order_by(*(column.desc() for column in order) if newest_first else order).limit(limit))
    if start is not None:
        stmt = stmt.where(JournalEntry.date >= start)
    if end is not None:
        stmt = stmt.where(JournalEntry.date <= end)
    return [Movement(*row) for row in db.session.execute(stmt)]


# Reconciliation ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Problem:
    """One thing `flask ledger check` found: what, which record, what was expected and what was found."""

    kind: str  # "unbalanced_entry" | "cached_balance"
    record: str
    expected: Decimal
    found: Decimal

    def __str__(self) -> str:
        return f"{self.kind}: {self.record}: expected {self.expected}, found {self.found}"


def _unbalanced_entries() -> list[Problem]:
    lines = (select(JournalLine.entry_id, func.sum(JournalLine.debit).label("debits"),
                    func.sum(JournalLine.credit).label("credits"), func.count().label("n"))
             .group_by(JournalLine.entry_id).subquery())
    stmt = (select(JournalEntry.id, lines.c.debits, lines.c.credits, lines.c.n)
            .outerjoin(lines, lines.c.entry_id == JournalEntry.id)
            .where((lines.c.n.is_(None)) | (lines.c.n < 2) | (lines.c.debits != lines.c.credits))
            .order_by(JournalEntry.id))
    return [Problem("unbalanced_entry", f"entry {entry_id} ({n or 0} lines)", debits or ZERO, credits or ZERO)
            for entry_id, debits, credits, n in db.session.execute(stmt)]


def _stale_balances() -> list[tuple[Account, Decimal]]:
    accounts = list(db.session.scalars(select(Account).order_by(Account.id)))
    truth = lines_balance([account.id for account in accounts])
    return [(account, truth[account.id]) for account in accounts if account.balance != truth[account.id]]


def check(fix: bool = False) -> list[Problem]:
    """Recompute every balance from the lines and re-check every entry; report (and with `fix`, repair the
    cached balances of) whatever differs. Unbalanced entries cannot be repaired: they are reported."""
    problems = _unbalanced_entries()
    stale = _stale_balances()
    problems += [Problem("cached_balance", f"account {account.code}", truth, account.balance)
                 for account, truth in stale]
    if fix and stale:
        for account, truth in stale:
            account.balance = truth
        db.session.commit()
    return problems
