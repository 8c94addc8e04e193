# ruff: noqa: B018 - a dict literal, read with ast.literal_eval
{
    "name": "accreditation",
    "title": "Accreditation",
    "version": "1.0.0",
    "summary": "Accreditation schemes, applications with their review workflow, documents with expiry, "
               "the daily expiry check and the public register of accredited organisations.",
    "depends": ["partners"],
    "category": "Accreditation",
    "installable": True,
    "data": ["data/schemes.py"],
    "demo": ["demo/applications.py"],
    "license": "AGPL-3.0-or-later",
}
