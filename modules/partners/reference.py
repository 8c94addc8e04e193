"""Reference data lookups of the registry: organisation types and comuni (by code or by name)."""

from __future__ import annotations

import unicodedata

from flask_babel import gettext as _
from sqlalchemy import func, select

from app.extensions import db
from app.settings import get_setting

from .models import Comune, OrganisationType
from .validators import InvalidValue


def organisation_types() -> list[OrganisationType]:
    return list(db.session.scalars(select(OrganisationType).order_by(OrganisationType.sort_order,
                                                                     OrganisationType.key)))


def type_choices() -> list[tuple[str, str]]:
    return [(kind.key, kind.label()) for kind in organisation_types()]


def type_labels() -> dict[str, str]:
    return dict(type_choices())


def _fold(text: str) -> str:
    """Case- and accent-insensitive form of a name ("Bidonì" == "bidoni")."""
    decomposed = unicodedata.normalize("NFKD", text.strip().casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).replace("’", "'")


def find_type(value: str) -> OrganisationType | None:
    """An organisation type by key or by its Italian or English name."""
    wanted = _fold(value)
    for kind in organisation_types():
        if wanted in (_fold(kind.key), _fold(kind.name_it), _fold(kind.name_en)):
            return kind
    return None


def district_province() -> str:
    return get_setting("base.district_province")


def find_comune(value) -> Comune:
    """A comune from an ISTAT code, a name, or "Name (PR)"; a name found in several provinces
    is taken from the district's province, else refused as ambiguous."""
    if isinstance(value, Comune):
        return value
    text = str(value).strip()
    if text.isdigit():
        found = db.session.get(Comune, text.zfill(6))
        if found is None:
            raise InvalidValue(_("Comune not found: %(value)s.", value=text))
        return found
    name, province = text, None
    if text.endswith(")") and "(" in text:
        name, province = text[:-1].rsplit("(", 1)
        province = province.strip().upper()
    candidates = [c for c in _comuni_named(name) if province is None or c.province_code == province]
    if len(candidates) > 1:
        local = [c for c in candidates if c.province_code == district_province()]
        candidates = local if len(local) == 1 else candidates
    if not candidates:
        raise InvalidValue(_("Comune not found: %(value)s.", value=text))
    if len(candidates) > 1:
        raise InvalidValue(_("Comune %(value)s is ambiguous: write its ISTAT code.", value=text))
    return candidates[0]


def _comuni_named(name: str) -> list[Comune]:
    wanted = _fold(name)
    rows = db.session.scalars(select(Comune).where(func.lower(Comune.name) == name.strip().lower()))
    found = [c for c in rows if _fold(c.name) == wanted]
    if found:
        return found
    # Accents typed differently ("Bidoni"): compare folded names of the comuni that start alike.
    prefix = name.strip()[:3]
    rows = db.session.scalars(select(Comune).where(Comune.name.ilike(f"{prefix}%")))
    return [c for c in rows if _fold(c.name) == wanted]
