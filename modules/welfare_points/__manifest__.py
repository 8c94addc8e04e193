# ruff: noqa: B018 - a dict literal, read with ast.literal_eval
{
    "name": "welfare_points",
    "title": "WelfarePoints",
    "version": "1.0.0",
    "summary": "Desks and their operators, needs of workers and citizens recorded with consent (personal data "
               "kept apart and erased after the retention period), referral and booking of catalogue offers, "
               "follow-up, and the fringe-benefit check of art. 51 c.3 TUIR.",
    "depends": ["partners", "accreditation", "catalog"],
    "category": "WelfarePoints",
    "installable": True,
    "data": ["data/fringe_limits.py"],
    "demo": ["demo/desks.py"],
    "license": "AGPL-3.0-or-later",
}
