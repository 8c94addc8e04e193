# ruff: noqa: B018 - a dict literal, read with ast.literal_eval
{
    "name": "shop_network",
    "title": "Shop network",
    "version": "1.0.0",
    "summary": "Shop contracts signed online with dated give-back rates, providers' welfare transactions imported "
               "in bulk (CSV, CLI, API), monthly settlements into the fund, statements and the public network page.",
    "depends": ["partners", "accreditation", "signatures", "ledger", "funds"],
    "category": "Shop network",
    "installable": True,
    "data": ["data/categories.py"],
    "demo": ["demo/network.py"],
    "license": "AGPL-3.0-or-later",
}
