# ruff: noqa: B018 - a dict literal, read with ast.literal_eval
{
    "name": "ledger",
    "title": "Ledger",
    "version": "1.0.0",
    "summary": "Generic double-entry bookkeeping: accounts, balanced and immutable journal entries with "
               "idempotency keys, reversals, derived balances and a reconciliation command.",
    "depends": ["partners"],
    "category": "Accounting",
    "installable": True,
    "data": [],
    "demo": [],
    "license": "AGPL-3.0-or-later",
}
