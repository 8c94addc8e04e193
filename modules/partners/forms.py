"""Forms of the registry. The organisation form is built for a list of fields, so external users get
one without the identity fields (legal name, type, tax codes, status, notes)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from flask_admin.model.fields import AjaxSelectField
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, Field, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, ValidationError

from .models import RUNTS_SECTIONS, STATUSES
from .services import FIELD_LABELS
from .validators import InvalidValue


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class Normalised:
    """A WTForms validator that passes the value through one of validators.py: the field keeps
    the canonical value, or shows the validator's message (which names the field)."""

    def __init__(self, clean: Callable):
        self.clean = clean

    def __call__(self, form, field) -> None:
        try:
            field.data = self.clean(field.data)
        except InvalidValue as exc:
            raise ValidationError(str(exc)) from exc


HELP = {
    "partita_iva": _l("11 digits; the IT prefix and spaces are accepted."),
    "codice_fiscale": _l("11 digits, or 16 characters for a sole trader. Empty: the partita IVA."),
    "ateco_code": _l("The six-digit ATECO 2025 subcategory, e.g. 47.24.10."),
    "runts_section": _l("Only for third-sector organisations (social cooperatives, APS, ODV)."),
    "runts_number": _l("Only for third-sector organisations (social cooperatives, APS, ODV)."),
    "rea": _l("Province and number, e.g. OR-123456."),
    "iban": _l("Spaces are accepted."),
    "comune": _l("Type part of the name; the district's province comes first."),
    "notes": _l("Seen only by the district's staff."),
}


def _text(name: str, required: bool = False) -> Field:
    validators = [InputRequired()] if required else []
    return StringField(FIELD_LABELS[name], validators=validators, filters=[_strip],
                       description=HELP.get(name, ""))


def _choices(name: str, choices: Iterable[tuple[str, object]], blank: bool) -> Field:
    """A select; with `blank` the value may be empty (a missing value is checked by the service)."""
    options = ([("", "—")] if blank else []) + list(choices)
    return SelectField(FIELD_LABELS[name], choices=options, validate_choice=not blank,
                       description=HELP.get(name, ""))


def _field(name: str, comune_loader) -> Field:
    if name == "type":
        return SelectField(FIELD_LABELS[name], choices=[], validators=[InputRequired()])
    if name == "status":
        return _choices(name, STATUSES.items(), blank=False)
    if name == "runts_section":
        return _choices(name, RUNTS_SECTIONS.items(), blank=True)
    if name == "comune":
        return AjaxSelectField(comune_loader, FIELD_LABELS[name], allow_blank=True, description=HELP[name])
    if name == "notes":
        return TextAreaField(FIELD_LABELS[name], filters=[_strip], description=HELP[name])
    return _text(name, required=name == "legal_name")


def organisation_form(base: type, comune_loader, fields: Iterable[str]) -> type:
    """A form class with `fields` (in that order); values are checked by services.clean_organisation."""
    attrs = {name: _field(name, comune_loader) for name in fields}
    return type("OrganisationForm", (base,), attrs)


class ImportForm(FlaskForm):
    file = FileField(_l("File (CSV or XLSX)"), validators=[FileRequired(_l("Choose a file to import."))])
    keep_valid_rows = BooleanField(_l("Import the valid rows anyway (the invalid ones are reported)"))
