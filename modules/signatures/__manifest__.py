# ruff: noqa: B018 - a dict literal, read with ast.literal_eval
{
    "name": "signatures",
    "title": "Signatures",
    "version": "1.0.0",
    "summary": "Signable documents (stored once, with their SHA-256), signature requests, simple electronic "
               "signatures (FES) and uploaded PAdES/CAdES files checked with pyHanko against the district's "
               "trusted certificate authorities.",
    "depends": ["partners"],
    "category": "Signatures",
    "installable": True,
    "auto_install": False,
    "data": [],
    "demo": [],
    "license": "AGPL-3.0-or-later",
}
