"""Factories of the ledger's models (registered in tests/factories.py `factories()`).

Entries are made through `services.post`, as in production: a balanced entry of two lines between two fresh
accounts of another organisation.
"""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal

import factory

from modules.ledger import services
from modules.ledger.models import Account, JournalEntry, JournalLine
from tests.factories import BaseFactory, OrganisationFactory

_keys = itertools.count(1)


class AccountFactory(BaseFactory):
    class Meta:
        model = Account

    code = factory.Sequence(lambda n: f"T{n:05d}")
    name = factory.Sequence(lambda n: f"Conto di prova {n}")
    kind = "asset"
    organisation = factory.SubFactory(OrganisationFactory)


def post_entry(amount: Decimal = Decimal("100.00"), debit_account: Account | None = None,
               credit_account: Account | None = None, on: date = date(2026, 3, 1), **kwargs) -> JournalEntry:
    """A committed two-line entry: `amount` from `credit_account` to `debit_account` (fresh ones if omitted)."""
    debit_account = debit_account or AccountFactory(kind="asset")
    credit_account = credit_account or AccountFactory(kind="income")
    kwargs.setdefault("idempotency_key", f"test:{next(_keys)}")
    kwargs.setdefault("description", "Registrazione di prova")
    return services.post(lines=[services.debit(debit_account, amount), services.credit(credit_account, amount)],
                         on=on, **kwargs)


class JournalEntryFactory(BaseFactory):
    class Meta:
        model = JournalEntry

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return post_entry(**kwargs)


class JournalLineFactory(BaseFactory):
    class Meta:
        model = JournalLine

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return post_entry(**kwargs).lines[0]


def ledger_factories() -> dict:
    return {Account: AccountFactory, JournalEntry: JournalEntryFactory, JournalLine: JournalLineFactory}
