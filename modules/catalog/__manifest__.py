# ruff: noqa: B018 - a dict literal, read with ast.literal_eval
{
    "name": "catalog",
    "title": "Catalogue",
    "version": "1.0.0",
    "summary": "Offers of accredited local suppliers, weekly slots with capacity and closures, bookings that "
               "never overbook, reminders, the organisations' agenda as .ics and the public catalogue.",
    "depends": ["partners", "accreditation"],
    "category": "Catalogue",
    "installable": True,
    "data": ["data/categories.py"],
    "demo": ["demo/offers.py"],
    "license": "AGPL-3.0-or-later",
}
