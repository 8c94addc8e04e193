"""Bulk import of organisations from the spreadsheets districts keep (CSV with `,` or `;`, UTF-8 with or
without BOM, or XLSX), with Italian headers.

Every row goes through the same validation as the admin form (services.clean_organisation). An
organisation already in the registry is found by partita IVA, else by codice fiscale: unchanged rows
are skipped, changed rows updated (empty cells never erase a value), new ones created. A file with
an invalid row imports nothing unless the user asked to keep the valid rows; either way the report
lists every refused row with its field and message, and says what happened to every other row.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.extensions import db
from app.models import Organisation
from app.uploads import MB, Upload, open_upload, register_owner, register_use

from . import services, validators
from .models import OrganisationImport, PartnerOrganisation
from .validators import InvalidValue

USE = "partners.organisations_import"
MAX_ROWS = 20_000
register_use(USE, {"csv", "xlsx"}, max_bytes=5 * MB)
register_owner(OrganisationImport)

# (header, field, description): the documented file format, in this order in the template.
COLUMNS = [
    ("ragione_sociale", "legal_name", _l("Legal name (required).")),
    ("tipo", "type", _l("Organisation type: its key or its name (required).")),
    ("codice_fiscale", "codice_fiscale", _l("11 digits or 16 characters; empty: the partita IVA.")),
    ("partita_iva", "partita_iva", _l("11 digits; IT prefix and spaces accepted.")),
    ("pec", "pec", _l("Certified e-mail address.")),
    ("comune", "comune", _l("Name of the comune, or its 6-digit ISTAT code.")),
    ("indirizzo", "street", _l("Street and number.")),
    ("cap", "cap", _l("5 digits.")),
    ("iban", "iban", _l("IBAN; spaces accepted.")),
    ("ateco", "ateco_code", _l("ATECO 2025 subcategory, e.g. 47.24.10.")),
    ("rea", "rea", _l("REA number, e.g. OR-123456.")),
    ("runts_sezione", "runts_section", _l("RUNTS section a–g (third sector only).")),
    ("runts_numero", "runts_number", _l("RUNTS number (third sector only).")),
    ("telefono", "phone", _l("Phone number (optional column).")),
    ("sito_web", "website", _l("Website (optional column).")),
    ("legale_rappresentante", "legal_rep_name", _l("Legal representative's name (optional column).")),
]
HEADER_TO_FIELD = {header: name for header, name, _help in COLUMNS}
FIELD_TO_HEADER = {name: header for header, name, _help in COLUMNS}
REQUIRED_HEADERS = ("ragione_sociale", "tipo")
ALIASES = {"denominazione": "ragione_sociale", "p_iva": "partita_iva", "piva": "partita_iva",
           "cf": "codice_fiscale", "sezione_runts": "runts_sezione", "numero_runts": "runts_numero",
           "codice_ateco": "ateco", "ateco_2025": "ateco"}
_ZERO_PADDED = {"partita_iva": 11, "codice_fiscale": 11, "cap": 5, "comune": 6}


class ImportFileInvalid(ValueError):
    """The file cannot be read as a table of organisations."""


@dataclass
class Row:
    number: int  # the line in the spreadsheet (the header is line 1)
    cells: dict[str, str]


@dataclass
class Outcome:
    row: int
    action: str  # created, updated, unchanged, invalid
    legal_name: str = ""
    fields: list[str] = field(default_factory=list)
    values: dict = field(default_factory=dict)
    organisation: PartnerOrganisation | None = None


# Reading the file -------------------------------------------------------------------------------------
def normalise_header(text) -> str:
    folded = unicodedata.normalize("NFKD", str(text or "").strip().lower())
    plain = "".join(ch for ch in folded if not unicodedata.combining(ch))
    for sep in (" ", "-", ".", "/"):
        plain = plain.replace(sep, "_")
    plain = "_".join(part for part in plain.split("_") if part)
    return ALIASES.get(plain, plain)


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252")  # Italian Excel's "CSV (delimitato dal separatore di elenco)"


def _csv_lines(data: bytes) -> list[list[str]]:
    text = _decode(data)
    first = text.split("\n", 1)[0]
    delimiter = max((";", ",", "\t"), key=first.count)
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))


def _xlsx_cell(value, header: str) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        text = str(value)
        width = _ZERO_PADDED.get(header)
        return text.zfill(width) if width else text  # a number cell lost its leading zeros
    if isinstance(value, Decimal | float):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def _xlsx_lines(handle) -> list[list]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(handle, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds for a damaged file
        raise ImportFileInvalid(_("The spreadsheet cannot be read.")) from exc
    try:
        sheet = workbook.worksheets[0]
        return [list(row) for row in sheet.iter_rows(values_only=True)]
    finally:
        workbook.close()


def read_rows(upload: Upload) -> tuple[list[str], list[Row]]:
    """The normalised headers and the non-empty rows of an uploaded CSV or XLSX file."""
    with open_upload(upload) as handle:
        is_xlsx = upload.content_type.endswith("spreadsheetml.sheet")
        lines = _xlsx_lines(handle) if is_xlsx else _csv_lines(handle.read())
    if not lines:
        raise ImportFileInvalid(_("The file is empty."))
    headers = [normalise_header(cell) for cell in lines[0]]
    rows = []
    for number, line in enumerate(lines[1:], start=2):
        cells = {header: (_xlsx_cell(value, header) if is_xlsx else str(value or "")).strip()
                 for header, value in zip(headers, line, strict=False) if header}
        if any(cells.values()):
            rows.append(Row(number, cells))
    if len(rows) > MAX_ROWS:
        raise ImportFileInvalid(_("The file has more than %(n)d rows: split it.", n=MAX_ROWS))
    return headers, rows


def header_problems(headers: list[str]) -> list[str]:
    missing = [header for header in REQUIRED_HEADERS if header not in headers]
    if missing:
        return [_("Required columns are missing: %(columns)s.", columns=", ".join(missing))]
    if "codice_fiscale" not in headers and "partita_iva" not in headers:
        return [_("The file needs a codice_fiscale or a partita_iva column.")]
    return []


# Checking each row ----------------------------------------------------------------------------------
class RowChecker:
    """Validates rows one by one against the registry and the rows already seen in the file."""

    def __init__(self):
        self.seen: dict[str, int] = {}

    def check(self, row: Row) -> tuple[Outcome, list[tuple[str, str]]]:
        data = {HEADER_TO_FIELD[h]: v for h, v in row.cells.items() if h in HEADER_TO_FIELD and v != ""}
        legal_name = data.get("legal_name", "")
        try:
            existing = self._existing(data)
        except InvalidValue as exc:
            return Outcome(row.number, "invalid", legal_name), [("codice_fiscale", str(exc))]
        cleaned = services.clean_organisation(data, existing)
        issues = list(cleaned.errors.items())
        issues += self._duplicate(row, cleaned.values, existing)
        if issues:
            return Outcome(row.number, "invalid", legal_name), issues
        return self._outcome(row, cleaned.values, existing), []

    def _existing(self, data: dict) -> PartnerOrganisation | None:
        """The registry's organisation with the row's partita IVA, else its codice fiscale."""
        piva = _quiet(validators.partita_iva, data.get("partita_iva"))
        if piva:
            found = db.session.scalar(select(Organisation.id).where(Organisation.partita_iva == piva))
            if found is not None:
                return services.ensure_partner(found)
        cf = _quiet(validators.codice_fiscale, data.get("codice_fiscale"))
        if not cf:
            return None
        same_cf = select(Organisation.id).where(Organisation.codice_fiscale == cf).limit(2)
        found = list(db.session.scalars(same_cf))
        if len(found) > 1:
            raise InvalidValue(_("Several organisations have this codice fiscale: add the partita IVA."))
        return services.ensure_partner(found[0]) if found else None

    def _duplicate(self, row: Row, values: dict, existing) -> list[tuple[str, str]]:
        key = f"id:{existing.id}" if existing is not None else (values.get("partita_iva")
                                                                 or values.get("codice_fiscale"))
        if not key:
            return []
        first = self.seen.setdefault(key, row.number)
        if first != row.number:
            name = "partita_iva" if values.get("partita_iva") else "codice_fiscale"
            return [(name, _("The same organisation is already on row %(row)d.", row=first))]
        return []

    @staticmethod
    def _outcome(row: Row, values: dict, existing) -> Outcome:
        if existing is None:
            return Outcome(row.number, "created", values.get("legal_name", ""), sorted(values), values)
        changed = [name for name, value in values.items() if getattr(existing, name) != value]
        action = "updated" if changed else "unchanged"
        return Outcome(row.number, action, existing.legal_name, changed, values, existing)


def _quiet(clean, value):
    try:
        return clean(value)
    except InvalidValue:
        return None


# Running an import ----------------------------------------------------------------------------------
def run_import(record: OrganisationImport, progress=lambda done, total: None) -> OrganisationImport:
    """Check every row, then write (or not) as the record's options say; fills the record's report."""
    try:
        headers, rows = read_rows(db.session.get(Upload, record.upload_id))
        problems = header_problems(headers)
    except ImportFileInvalid as exc:
        rows, problems = [], [str(exc)]
    if problems:
        return _finish(record, [], [{"row": 1, "field": "", "message": m} for m in problems], reject=True)
    checker, outcomes, issues = RowChecker(), [], []
    for done, row in enumerate(rows, start=1):
        outcome, row_issues = checker.check(row)
        outcomes.append(outcome)
        issues += [{"row": row.number, "field": FIELD_TO_HEADER.get(name, name), "message": message}
                   for name, message in row_issues]
        progress(done, len(rows) * 2)
    reject = bool(issues) and not record.keep_valid_rows
    if not reject:
        _write(outcomes)
    progress(len(rows) * 2, len(rows) * 2)
    return _finish(record, outcomes, issues, reject)


def _write(outcomes: list[Outcome]) -> None:
    for outcome in outcomes:
        if outcome.action == "created":
            organisation = PartnerOrganisation(status="active")
            services.apply(organisation, outcome.values)
            db.session.add(organisation)
        elif outcome.action == "updated":
            services.apply(outcome.organisation, {k: outcome.values[k] for k in outcome.fields})
    db.session.flush()


def _finish(record: OrganisationImport, outcomes: list[Outcome], issues: list[dict],
            reject: bool) -> OrganisationImport:
    counts = {action: sum(1 for o in outcomes if o.action == action)
              for action in ("created", "updated", "unchanged", "invalid")}
    if reject:
        for outcome in outcomes:
            outcome.action = "invalid" if outcome.action == "invalid" else "not_imported"
    record.status = "rejected" if reject else "imported"
    record.total_rows = len(outcomes)
    record.created_count = 0 if reject else counts["created"]
    record.updated_count = 0 if reject else counts["updated"]
    record.unchanged_count = 0 if reject else counts["unchanged"]
    record.invalid_count = counts["invalid"]
    record.issues = issues
    record.outcomes = [{"row": o.row, "action": o.action, "legal_name": o.legal_name,
                        "fields": [FIELD_TO_HEADER.get(f, f) for f in o.fields]} for o in outcomes]
    db.session.flush()
    return record


def report_rows(record: OrganisationImport) -> Iterator[dict]:
    """One line per refused field and per row that went through, in row order (for the CSV)."""
    by_row: dict[int, list[dict]] = {}
    for issue in record.issues or []:
        by_row.setdefault(issue["row"], []).append(issue)
    outcomes = {o["row"]: o for o in record.outcomes or []}
    for row in sorted(set(by_row) | set(outcomes)):
        outcome = outcomes.get(row, {"action": "invalid", "legal_name": "", "fields": []})
        label = str(OUTCOME_LABELS.get(outcome["action"], outcome["action"]))
        for issue in by_row.get(row, []):
            yield {"row": row, "outcome": label, "legal_name": outcome["legal_name"], "field": issue["field"],
                   "message": issue["message"]}
        if row not in by_row:
            changed = ", ".join(outcome["fields"]) if outcome["action"] == "updated" else ""
            yield {"row": row, "outcome": label, "legal_name": outcome["legal_name"], "field": changed,
                   "message": ""}


OUTCOME_LABELS = {
    "created": _l("created"),
    "updated": _l("updated"),
    "unchanged": _l("unchanged, skipped"),
    "invalid": _l("refused"),
    "not_imported": _l("valid, not imported"),
}
REPORT_COLUMNS = [("row", _l("Row")), ("outcome", _l("Outcome")), ("legal_name", _l("Legal name")),
                  ("field", _l("Field")), ("message", _l("Message"))]


def start_import(file, keep_valid_rows: bool, user) -> OrganisationImport:
    """Store the uploaded file (refused with UploadRejected if it is not a CSV or XLSX) and run the
    import as a job; returns the import, finished already when jobs run in-process."""
    from app.jobs import enqueue
    from app.uploads import attach, save_upload

    upload = save_upload(USE, file, user=user)
    record = OrganisationImport(filename=upload.original_name, upload_id=upload.id, created_by_id=user.id,
                                keep_valid_rows=bool(keep_valid_rows), issues=[], outcomes=[])
    db.session.add(record)
    db.session.flush()
    attach(upload, record)
    db.session.commit()
    job = enqueue("partners.import_organisations", user=user, import_id=record.id)
    record = db.session.get(OrganisationImport, record.id)
    record.job_id = job.id
    if job.status == "failed" and not record.is_done:
        record.status = "failed"
    db.session.commit()
    return record
