"""The registry's business operations: validate, create and change organisations; what others may see.

`clean_organisation()` is the one validation used by the admin form, the import and the API:
it normalises every given field (validators.py), applies the rules that span fields (codice
fiscale required, RUNTS only for third-sector types, partita IVA unique) and returns the clean
values with an Italian message per refused field. External users may not change an
organisation's identity (`PROTECTED_FIELDS`): `check_may_change()` re-checks it on every save.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import insert, inspect, select

from app.extensions import db
from app.models import Organisation
from app.security import AccessDenied, can, scoped

from . import validators
from .models import STATUSES, Comune, OrganisationContact, PartnerOrganisation
from .reference import (  # noqa: F401 - the reference lookups are part of the services' public API
    district_province,
    find_comune,
    find_type,
    organisation_types,
    type_choices,
    type_labels,
)
from .validators import InvalidValue

FIELD_LABELS = {
    "legal_name": _l("Legal name"), "type": _l("Type"), "codice_fiscale": _l("Tax code"),
    "partita_iva": _l("VAT number"), "status": _l("Status"), "pec": _l("PEC"), "rea": _l("REA number"),
    "ateco_code": _l("ATECO 2025 code"), "runts_section": _l("RUNTS section"),
    "runts_number": _l("RUNTS number"),
    "iban": _l("IBAN"), "legal_rep_name": _l("Legal representative"),
    "legal_rep_codice_fiscale": _l("Legal representative's codice fiscale"), "street": _l("Address"),
    "cap": _l("CAP"), "comune": _l("Comune"), "phone": _l("Phone"), "website": _l("Website"),
    "notes": _l("Internal notes"),
}
EDITABLE_FIELDS = tuple(FIELD_LABELS)
PROTECTED_FIELDS = ("legal_name", "type", "codice_fiscale", "partita_iva", "status", "notes")
EXTERNAL_FIELDS = tuple(name for name in EDITABLE_FIELDS if name not in PROTECTED_FIELDS)
_PROTECTED_COLUMNS = PROTECTED_FIELDS  # same names on the model


class OrganisationInvalid(ValueError):
    """Refused values: `errors` maps each field to its translated message."""

    def __init__(self, errors: Mapping[str, str]):
        super().__init__("; ".join(f"{key}: {message}" for key, message in errors.items()))
        self.errors = dict(errors)


@dataclass
class Cleaned:
    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


# Validation -------------------------------------------------------------------------------------------
def _required_text(value) -> str | None:
    cleaned = validators.text(value, 200)
    if not cleaned:
        raise InvalidValue(_("Legal name is required."))
    return cleaned


def _type_key(value) -> str | None:
    if value is None or str(value).strip() == "":
        raise InvalidValue(_("Type is required."))
    kind = find_type(str(value))
    if kind is None:
        raise InvalidValue(_("Type is not valid: %(value)s is not an organisation type.", value=value))
    return kind.key


def _status(value) -> str:
    text = str(value or "active").strip().lower()
    if text not in STATUSES:
        raise InvalidValue(_("Status is not valid: use active, suspended or closed."))
    return text


def _comune(value) -> Comune | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return find_comune(value)


CLEANERS = {
    "legal_name": _required_text,
    "type": _type_key,
    "codice_fiscale": validators.codice_fiscale,
    "partita_iva": validators.partita_iva,
    "status": _status,
    "pec": validators.pec,
    "rea": validators.rea,
    "ateco_code": validators.ateco_code,
    "runts_section": validators.runts_section,
    "runts_number": validators.runts_number,
    "iban": validators.iban,
    "legal_rep_name": lambda value: validators.text(value, 160),
    "legal_rep_codice_fiscale": validators.personal_codice_fiscale,
    "street": lambda value: validators.text(value, 200),
    "cap": validators.cap,
    "comune": _comune,
    "phone": validators.phone,
    "website": validators.website,
    "notes": lambda value: validators.text(value, 5000),
}


def clean_organisation(data: Mapping[str, Any], organisation: PartnerOrganisation | None = None) -> Cleaned:
    """Normalise and check the fields in `data` for a new organisation (None) or for `organisation`.

    Fields absent from `data` keep the organisation's current values for the cross-field rules.
    """
    result = Cleaned()
    for name, value in data.items():
        if name not in CLEANERS:
            continue
        try:
            result.values[name] = CLEANERS[name](value)
        except InvalidValue as exc:
            result.errors[name] = str(exc)
    current = _current_values(organisation)
    if organisation is None:
        for name in ("legal_name", "type"):
            if name not in data and name not in result.errors:
                result.errors[name] = str(_("Legal name is required.") if name == "legal_name"
                                          else _("Type is required."))
    _default_codice_fiscale(result, data, current)
    _check_runts(result, current)
    _check_unique_partita_iva(result, organisation)
    return result


def _current_values(organisation: PartnerOrganisation | None) -> dict[str, Any]:
    if organisation is None:
        return {}
    return {name: getattr(organisation, name) for name in EDITABLE_FIELDS}


def _effective(result: Cleaned, current: Mapping[str, Any], name: str):
    return result.values[name] if name in result.values else current.get(name)


def _default_codice_fiscale(result: Cleaned, data: Mapping[str, Any], current: Mapping[str, Any]) -> None:
    """Companies' codice fiscale is their partita IVA: fill it in when only the latter is given."""
    creating = not current
    if not creating and "codice_fiscale" not in data:
        return  # a form without the field (an external user's) leaves it as it is
    if "codice_fiscale" in result.errors or _effective(result, current, "codice_fiscale"):
        return
    piva = _effective(result, current, "partita_iva")
    if piva and "partita_iva" not in result.errors:
        result.values["codice_fiscale"] = piva
    elif "partita_iva" not in result.errors:
        result.errors["codice_fiscale"] = _("Tax code (codice fiscale) is required.")


def _check_runts(result: Cleaned, current: Mapping[str, Any]) -> None:
    kind_key = _effective(result, current, "type")
    kind = find_type(kind_key) if kind_key else None
    third_sector = bool(kind and kind.is_third_sector)
    for name in ("runts_section", "runts_number"):
        if name in result.errors:
            continue
        value = _effective(result, current, name)
        if third_sector and not value:
            result.errors[name] = _RUNTS_REQUIRED[name]()
        elif not third_sector and value:
            result.errors[name] = _RUNTS_NOT_ALLOWED[name]()


_RUNTS_REQUIRED = {
    "runts_section": lambda: _("RUNTS section is required for third-sector organisations."),
    "runts_number": lambda: _("RUNTS number is required for third-sector organisations."),
}
_RUNTS_NOT_ALLOWED = {
    "runts_section": lambda: _("RUNTS section: only third-sector bodies are entered in the RUNTS."),
    "runts_number": lambda: _("RUNTS number: only third-sector bodies are entered in the RUNTS."),
}


def _check_unique_partita_iva(result: Cleaned, organisation: PartnerOrganisation | None) -> None:
    piva = result.values.get("partita_iva")
    if not piva or "partita_iva" in result.errors:
        return
    other = partita_iva_owner(piva, exclude_id=organisation.id if organisation is not None else None)
    if other is not None:
        result.errors["partita_iva"] = _("Partita IVA %(piva)s is already registered for %(name)s.",
                                         piva=piva, name=other[1])


def partita_iva_owner(piva: str, exclude_id: int | None = None) -> tuple[int, str] | None:
    """(id, legal name) of the organisation holding `piva`, if any other than `exclude_id`."""
    stmt = select(Organisation.id, Organisation.legal_name).where(Organisation.partita_iva == piva)
    if exclude_id is not None:
        stmt = stmt.where(Organisation.id != exclude_id)
    row = db.session.execute(stmt.limit(1)).first()
    return (row[0], row[1]) if row else None


# Saving -----------------------------------------------------------------------------------------------
def apply(organisation: PartnerOrganisation, values: Mapping[str, Any]) -> list[str]:
    """Set the clean values; returns the names of the fields that changed."""
    changed = []
    for name, value in values.items():
        if getattr(organisation, name) != value:
            setattr(organisation, name, value)
            changed.append(name)
    return changed


def protected_changes(organisation: PartnerOrganisation) -> list[str]:
    """Identity fields changed on this (pending) object since it was loaded."""
    state = inspect(organisation)
    changed = []
    for name in _PROTECTED_COLUMNS:
        history = state.attrs[name].history
        if history.has_changes() and (history.deleted or [None])[0] != (history.added or [None])[0]:
            changed.append(name)
    return changed


def check_may_change(user, organisation: PartnerOrganisation, changed: Iterable[str] | None = None) -> None:
    """External users may keep their organisation's details up to date, never its identity.

    `changed` lists the fields just set; by default they are read from the object's pending history
    (before anything flushes it, which is why the user's roles are read without autoflush)."""
    with db.session.no_autoflush:
        fields = [name for name in changed if name in PROTECTED_FIELDS] if changed is not None \
            else protected_changes(organisation)
        external = user.is_external
    if external and fields:
        raise OrganisationInvalid({name: _("You cannot change %(field)s: ask the district coordinators.",
                                           field=FIELD_LABELS[name]) for name in fields})


def create_organisation(data: Mapping[str, Any], user=None, commit: bool = True) -> PartnerOrganisation:
    """Validate and create an organisation; raises OrganisationInvalid."""
    if user is not None and not can(user, PartnerOrganisation, "create"):
        raise AccessDenied(PartnerOrganisation.__name__, "create")
    cleaned = clean_organisation(data)
    if not cleaned.ok:
        raise OrganisationInvalid(cleaned.errors)
    organisation = PartnerOrganisation()
    apply(organisation, {"status": "active", **cleaned.values})
    db.session.add(organisation)
    db.session.flush()
    if commit:
        db.session.commit()
    return organisation


def update_organisation(organisation: PartnerOrganisation, data: Mapping[str, Any], user,
                        commit: bool = True) -> list[str]:
    """Validate and apply `data` to an organisation the caller found through
    `get_scoped(..., "write", user)`; returns the changed fields, raises OrganisationInvalid."""
    cleaned = clean_organisation(data, organisation)
    if not cleaned.ok:
        raise OrganisationInvalid(cleaned.errors)
    changed = apply(organisation, cleaned.values)
    if user is not None:
        check_may_change(user, organisation, changed)
    db.session.flush()
    if commit:
        db.session.commit()
    return changed


def ensure_partner(organisation_id: int) -> PartnerOrganisation:
    """The registry row of a kernel organisation, made if it is missing."""
    table = PartnerOrganisation.__table__
    if db.session.scalar(select(table.c.id).where(table.c.id == organisation_id)) is None:
        db.session.execute(insert(table).values(id=organisation_id))
    return db.session.get(PartnerOrganisation, organisation_id)


def make_primary(contact: OrganisationContact) -> None:
    """One primary contact per organisation: marking one unmarks the others."""
    if not contact.is_primary:
        return
    others = select(OrganisationContact).where(OrganisationContact.organisation_id == contact.organisation_id,
                                               OrganisationContact.id != contact.id,
                                               OrganisationContact.is_primary.is_(True))
    for other in db.session.scalars(others):
        other.is_primary = False


# What other modules may show ------------------------------------------------------------------------
@dataclass(frozen=True)
class OrganisationLabel:
    id: int
    legal_name: str
    type: str
    type_label: str
    comune: str | None


def visible_name_type_comune(user, ids: Iterable[int], via: Iterable[tuple[type, str]] = ()
                             ) -> dict[int, OrganisationLabel]:
    """Name, type and comune of the organisations `ids` that `user` may know of.

    Those are the organisations the user may read in full, plus those referenced through a
    column in `via` — `(Model, "organisation_id")` — by a row of Model the user may read (the
    other parties of an agreement they are party to, the platforms named in their contract).
    """
    wanted = {int(i) for i in ids}
    if not wanted:
        return {}
    allowed = _readable_ids(user, wanted)
    for model, column in via:
        try:
            referenced = scoped(select(getattr(model, column)), "read", user)
        except AccessDenied:
            continue
        allowed |= set(db.session.scalars(referenced.where(getattr(model, column).in_(wanted - allowed))))
    return _labels(allowed)


def _readable_ids(user, wanted: set[int]) -> set[int]:
    try:
        stmt = scoped(select(PartnerOrganisation.id), "read", user).where(PartnerOrganisation.id.in_(wanted))
    except AccessDenied:
        return set()
    return set(db.session.scalars(stmt))


def _labels(ids: set[int]) -> dict[int, OrganisationLabel]:
    if not ids:
        return {}
    labels = type_labels()
    stmt = (select(Organisation.id, Organisation.legal_name, Organisation.type, Comune.name)
            .select_from(Organisation)
            .outerjoin(PartnerOrganisation.__table__, PartnerOrganisation.__table__.c.id == Organisation.id)
            .outerjoin(Comune, Comune.istat_code == PartnerOrganisation.__table__.c.comune_istat)
            .where(Organisation.id.in_(ids)))
    return {row[0]: OrganisationLabel(row[0], row[1], row[2], labels.get(row[2], row[2]), row[3])
            for row in db.session.execute(stmt)}

