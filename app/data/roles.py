"""The roles of DOMAIN.md, synced idempotently (names can be edited; keys are stable)."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.extensions import db
from app.models import Role

ROLES = [
    ("admin", _l("Administrator"), False),
    ("coordinator", _l("District coordinator"), False),
    ("municipality", _l("Municipality official"), False),
    ("social_partner", _l("Social partner"), True),
    ("provider", _l("Welfare provider"), True),
    ("shop", _l("Shop"), True),
    ("cooperative", _l("Cooperative / third sector"), True),
    ("operator", _l("WelfarePoint operator"), False),
    ("auditor", _l("Auditor"), False),
]

LABELS = {key: label for key, label, _external in ROLES}


def load() -> None:
    existing = {role.key: role for role in db.session.scalars(select(Role))}
    for key, name, is_external in ROLES:
        role = existing.get(key)
        if role is None:
            db.session.add(Role(key=key, name=str(name), is_external=is_external))
        else:
            role.is_external = is_external
    db.session.flush()
