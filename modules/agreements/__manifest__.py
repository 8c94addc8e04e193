# ruff: noqa: B018 - a dict literal, read with ast.literal_eval
{
    "name": "agreements",
    "title": "Agreements",
    "version": "1.0.0",
    "summary": "Territorial agreements with the social partners: parties, structured text, templates, versions "
               "frozen for signature, entry into force, adhesions, the partners' portal and the public page.",
    "depends": ["partners", "signatures"],
    "category": "Agreements",
    "installable": True,
    "auto_install": False,
    "data": [],
    "demo": ["demo/agreements.py"],
    "license": "AGPL-3.0-or-later",
}
