"""Accounts, journal entries and their lines. Entries are append-only: never updated, never deleted.

Amounts are ``app.money.Money`` (integer cents in a BIGINT, ``Decimal`` euros in Python). A line is either a
debit or a credit, never both; an entry's debits equal its credits. The service checks both before it
writes; on PostgreSQL a deferred constraint trigger checks the balance again at COMMIT and triggers refuse
any UPDATE or DELETE (migration l0001). The ORM guard below refuses them on every database.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, Date, DateTime, ForeignKey, Index, String, event, func, inspect
from sqlalchemy.orm import Mapped, ORMExecuteState, Session, mapped_column, relationship

from app.audit import Audited
from app.extensions import db
from app.models import Organisation, User
from app.money import Money

ACCOUNT_KINDS = {
    "asset": _l("Asset"),
    "liability": _l("Liability"),
    "equity": _l("Equity"),
    "income": _l("Income"),
    "expense": _l("Expense"),
}
DEBIT_NORMAL_KINDS = ("asset", "expense")


class LedgerImmutable(RuntimeError):
    """Code tried to change or delete a posted entry or line; corrections are reversal entries."""


class Account(Audited, db.Model):
    """An account of the chart; `owner_key` names the thing a depending module keeps it for."""

    __tablename__ = "ledger_accounts"
    __audit_ignore__ = frozenset({"created_at", "balance"})  # the cached balance is derived from lines
    __table_args__ = (
        CheckConstraint("kind IN ('asset', 'liability', 'equity', 'income', 'expense')", name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(60), unique=True, info={"label": _l("Code")})
    name: Mapped[str] = mapped_column(String(200), info={"label": _l("Name")})
    kind: Mapped[str] = mapped_column(String(12), info={"label": _l("Kind")})
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("base_organisations.id", ondelete="RESTRICT"), index=True)
    owner_key: Mapped[str | None] = mapped_column(String(120), unique=True, info={"label": _l("Owner key")})
    is_active: Mapped[bool] = mapped_column(default=True, info={"label": _l("Active")})
    # Debits minus credits of every line, kept by services.post; `flask ledger check` recomputes it.
    balance: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"), server_default="0",
                                             info={"label": _l("Balance")})
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    organisation: Mapped[Organisation | None] = relationship()

    def __repr__(self) -> str:
        return f"<Account {self.code} {self.kind}>"

    def __str__(self) -> str:
        return f"{self.code} · {self.name}"

    @property
    def is_debit_normal(self) -> bool:
        return self.kind in DEBIT_NORMAL_KINDS

    @property
    def natural_balance(self) -> Decimal:
        """The cached balance seen from the account's normal side (a liability's credits are positive)."""
        return self.balance if self.is_debit_normal else -self.balance


class JournalEntry(db.Model):
    """A dated, balanced set of lines; its idempotency key makes posting it twice harmless."""

    __tablename__ = "ledger_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    date: Mapped[date] = mapped_column(Date, index=True, info={"label": _l("Date")})
    description: Mapped[str] = mapped_column(String(300), info={"label": _l("Description")})
    reference: Mapped[str | None] = mapped_column(String(200), index=True,
                                                  info={"label": _l("Source document")})
    kind: Mapped[str] = mapped_column(String(60), default="manual", index=True, info={"label": _l("Kind")})
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True, info={"label": _l("Idempotency key")})
    reversal_of_id: Mapped[int | None] = mapped_column(
        ForeignKey("ledger_entries.id", ondelete="RESTRICT"), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("base_users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    lines: Mapped[list[JournalLine]] = relationship(back_populates="entry", order_by="JournalLine.id",
                                                    lazy="selectin")
    reversal_of: Mapped[JournalEntry | None] = relationship(remote_side=[id], viewonly=True)
    reversed_by: Mapped[JournalEntry | None] = relationship(
        primaryjoin="JournalEntry.id == foreign(JournalEntry.reversal_of_id)", viewonly=True, uselist=False)
    created_by: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<JournalEntry {self.id} {self.date} {self.kind}>"

    def __str__(self) -> str:
        return f"#{self.id} {self.date:%d/%m/%Y} {self.description}"

    @property
    def total(self) -> Decimal:
        return sum((line.debit for line in self.lines), Decimal("0.00"))


class JournalLine(db.Model):
    """One side of an entry: a debit or a credit (never both, never zero) to one account."""

    __tablename__ = "ledger_lines"
    __table_args__ = (
        CheckConstraint("(debit > 0 AND credit = 0) OR (debit = 0 AND credit > 0)", name="one_side"),
        Index("ix_ledger_lines_account_entry", "account_id", "entry_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("ledger_entries.id", ondelete="RESTRICT"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("ledger_accounts.id", ondelete="RESTRICT"))
    debit: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"), info={"label": _l("Debit")})
    credit: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"), info={"label": _l("Credit")})
    memo: Mapped[str | None] = mapped_column(String(200), info={"label": _l("Memo")})

    entry: Mapped[JournalEntry] = relationship(back_populates="lines")
    account: Mapped[Account] = relationship()

    def __repr__(self) -> str:
        return f"<JournalLine {self.id} entry={self.entry_id} account={self.account_id}>"

    @property
    def amount(self) -> Decimal:
        """Debit positive, credit negative: the line's effect on ``Account.balance``."""
        return self.debit - self.credit


# The ORM guard -------------------------------------------------------------------------------------------
_IMMUTABLE = (JournalEntry, JournalLine)
_MESSAGE = "ledger entries are immutable: correct a mistake with a reversal entry"


@event.listens_for(Session, "before_flush")
def _refuse_changes(session: Session, _ctx, _instances) -> None:
    for obj in session.deleted:
        if isinstance(obj, _IMMUTABLE):
            raise LedgerImmutable(_MESSAGE)
    for obj in session.dirty:
        if isinstance(obj, _IMMUTABLE) and _columns_changed(obj):
            raise LedgerImmutable(_MESSAGE)
    for obj in session.new:
        if isinstance(obj, JournalLine) and obj.entry is not None and obj.entry not in session.new:
            raise LedgerImmutable("a posted entry cannot get new lines: post a new entry")


def _columns_changed(obj) -> bool:
    state = inspect(obj)
    return any(state.attrs[attr.key].history.has_changes() for attr in state.mapper.column_attrs)


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk_changes(state: ORMExecuteState) -> None:
    if (state.is_update or state.is_delete) and any(
            mapper.class_ in _IMMUTABLE for mapper in state.all_mappers):
        raise LedgerImmutable(_MESSAGE)
