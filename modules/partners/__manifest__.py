# ruff: noqa: B018 - a dict literal, read with ast.literal_eval
{
    "name": "partners",
    "title": "Partners",
    "version": "1.0.0",
    "summary": "The organisations registry: identity, tax codes, third-sector registration, contacts, "
               "comuni of Italy, bulk import from spreadsheets.",
    "depends": [],
    "category": "Registry",
    "installable": True,
    "auto_install": True,
    "data": ["data/organisation_types.py", "data/comuni.py", "data/organisations.py"],
    "demo": ["demo/organisations.py"],
    "license": "AGPL-3.0-or-later",
}
