"""What PostgreSQL itself enforces, whoever writes: balanced entries at COMMIT, no UPDATE or DELETE.

These tests write with raw SQL on their own connection and COMMIT for real: a rollback-per-test fixture would
never reach the deferred constraint trigger.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from app.extensions import db
from modules.ledger.models import JournalEntry
from tests.conftest import require_postgres
from tests.modules.ledger.factories import AccountFactory, post_entry

INSERT_ENTRY = text("INSERT INTO ledger_entries (date, description, kind, idempotency_key) "
                    "VALUES ('2026-03-01', 'raw', 'manual', :key) RETURNING id")
INSERT_LINE = text("INSERT INTO ledger_lines (entry_id, account_id, debit, credit) VALUES (:entry, :account, "
                   ":debit, :credit)")


@pytest.fixture
def accounts(ctx):
    require_postgres()
    return AccountFactory().id, AccountFactory(kind="income").id


def _entries() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(JournalEntry))


def test_committing_an_unbalanced_entry_through_raw_sql_fails_at_commit(accounts):
    cash, income = accounts
    with db.engine.connect() as conn:
        entry = conn.execute(INSERT_ENTRY, {"key": "raw-unbalanced"}).scalar_one()
        conn.execute(INSERT_LINE, {"entry": entry, "account": cash, "debit": 10000, "credit": 0})
        conn.execute(INSERT_LINE, {"entry": entry, "account": income, "debit": 0, "credit": 9999})
        with pytest.raises(IntegrityError, match="does not balance"):
            conn.commit()
    assert _entries() == 0


def test_committing_an_entry_without_lines_fails_at_commit(accounts):
    with db.engine.connect() as conn:
        conn.execute(INSERT_ENTRY, {"key": "raw-empty"})
        with pytest.raises(IntegrityError, match="0 lines"):
            conn.commit()
    assert _entries() == 0


def test_a_balanced_raw_entry_commits_even_though_it_is_unbalanced_between_its_statements(accounts):
    cash, income = accounts
    with db.engine.connect() as conn:
        entry = conn.execute(INSERT_ENTRY, {"key": "raw-balanced"}).scalar_one()
        conn.execute(INSERT_LINE, {"entry": entry, "account": cash, "debit": 500, "credit": 0})
        conn.execute(INSERT_LINE, {"entry": entry, "account": income, "debit": 0, "credit": 500})
        conn.commit()
    assert _entries() == 1


@pytest.mark.parametrize("statement", [
    "UPDATE ledger_lines SET debit = debit + 1 WHERE entry_id = :id",
    "DELETE FROM ledger_lines WHERE entry_id = :id",
    "UPDATE ledger_entries SET description = 'changed' WHERE id = :id",
    "DELETE FROM ledger_entries WHERE id = :id",
])
def test_postgres_refuses_to_update_or_delete_a_posted_entry(ctx, statement):
    require_postgres()
    entry = post_entry(Decimal("12.00"))
    with db.engine.connect() as conn, pytest.raises(DBAPIError, match="immutable"):
        conn.execute(text(statement), {"id": entry.id})
        conn.commit()
    db.session.rollback()
    assert db.session.get(JournalEntry, entry.id).total == Decimal("12.00")
