# ruff: noqa: B018 - a dict literal, read with ast.literal_eval
{
    "name": "funds",
    "title": "Fund and social projects",
    "version": "1.0.0",
    "summary": "The district fund: contributions in, social projects with priorities, allocation rounds, "
               "payments to beneficiaries, art. 26-27 d.lgs. 33/2013 publications and public transparency.",
    "depends": ["partners", "ledger"],
    "category": "Fund",
    "installable": True,
    "data": ["data/categories.py"],
    "demo": ["demo/fund.py"],
    "license": "AGPL-3.0-or-later",
}
