"""ledger: generic double-entry bookkeeping (Odoo's accounting core, reduced to what the district needs).

Public API for later modules (import these, nothing else of this package):

- ``services.ensure_account(owner_key, code=..., name=..., kind=..., organisation_id=None)``: the account a
  module keeps for one of its own things (e.g. ``"funds.project:12:commitment"``), created once;
- ``services.post(lines=[debit(acc, amount), credit(acc, amount)], on=date, description=...,
  idempotency_key=..., reference=..., kind=..., user=None, commit=True)``: a balanced entry; posting the same
  idempotency key again returns the first entry and creates nothing;
- ``services.reverse(entry, on=..., user=None)``: the correction of an entry (entries are never changed);
- ``services.balance(account)`` (cached, debits − credits), ``services.balance(account, as_of=date)`` (from the
  lines), ``services.natural_balance(account)`` (positive on the account's normal side),
  ``services.movements(accounts, start, end)``;
- ``services.check(fix=False)``: the reconciliation behind ``flask ledger check``;
- ``services.LedgerError`` (a translated message for the user) and ``models.LedgerImmutable``.

Money is ``app.money.Money``: integer cents in the database, ``Decimal`` euros in Python, exact on SQLite and
PostgreSQL alike.
"""
