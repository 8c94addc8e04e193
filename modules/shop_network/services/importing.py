"""Providers' welfare transactions: CSV files and API batches, checked and imported in bulk.

One entry point, :func:`import_file`, does the work for the upload screen, the command line and the API:

1. the rows are read as a stream (memory does not grow with the file) and parsed in a tight Python loop
   (P.IVA checks, dates and times are memoised); malformed rows become :class:`ImportProblem` rows;
2. the good ones are streamed into a temporary staging table (``COPY … FROM STDIN`` on PostgreSQL,
   ``executemany`` on SQLite, which is there for correctness, not speed);
3. set-based SQL then finds what a row cannot know alone: the same id twice in the file, ids already
   imported, refunds of unknown purchases, P.IVAs outside the network on the row's day (set aside as
   :class:`OutsideRow`, counted, not errors) and rows of a month whose settlement is already confirmed
   (imported, flagged late);
4. one ``INSERT … SELECT … ON CONFLICT DO NOTHING`` writes the transactions, then refunds are linked to
   their purchases.

Without "keep the good rows" a file with any bad row imports nothing; either way every bad row is in the
report. The same file or the same transaction ids twice add nothing (unique constraint, and on PostgreSQL
an advisory lock per provider so two imports of the same provider take turns for the checks).
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import json
import logging
import re
import tempfile
import time
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, insert, select, text
from stdnum.it import iva

from app.extensions import db
from app.uploads import MB, Upload, attach, open_upload, register_owner, register_use, save_upload

from ..models import ImportBatch, ImportProblem, ProviderMapping

log = logging.getLogger("distretto.shop_network.import")
ROME = ZoneInfo("Europe/Rome")
USE = "shop_network.transactions"
API_USE = "shop_network.api_batches"
JOB = "shop_network.import_transactions"
PERMISSION = "shop_network.import"
MAX_FILE_BYTES = 200 * MB
MAX_API_ROWS = 10_000
CHUNK_ROWS = 5_000
PROGRESS_EVERY = 20_000
FINAL_STATUSES = ("imported", "rejected")
_LOCK_KEY = 70_701  # pg_advisory_xact_lock(_LOCK_KEY, provider_id): one import per provider at a time

register_use(USE, {"csv", "txt"}, max_bytes=MAX_FILE_BYTES)
register_use(API_USE, {"txt"}, max_bytes=20 * MB)
register_owner(ImportBatch)

# Our fields, in the order of the staged row: (field, label, required, default headers recognised).
FIELDS = [
    ("provider_tx_id", _l("Transaction id"), True,
     ("id", "id_transazione", "transazione", "codice_transazione", "id_operazione", "codice_operazione",
      "transaction_id", "transaction", "tx_id", "provider_tx_id")),
    ("occurred_at", _l("Date (and time)"), True,
     ("data", "data_ora", "data_e_ora", "data_transazione", "data_operazione", "date", "datetime", "date_time",
      "timestamp", "occurred_at", "transaction_date")),
    ("time", _l("Time"), False, ("ora", "orario", "ora_transazione", "time")),
    ("partita_iva", _l("Shop's partita IVA"), True,
     ("partita_iva", "p_iva", "piva", "partita_iva_esercente", "piva_esercente", "p_iva_esercente",
      "esercente_piva", "vat", "vat_number", "merchant_vat", "merchant_vat_number")),
    ("amount", _l("Gross amount"), True,
     ("importo", "importo_lordo", "importo_euro", "valore", "totale", "amount", "gross_amount")),
    ("kind", _l("Kind (purchase or refund)"), False,
     ("tipo", "tipo_operazione", "tipologia", "operazione", "kind", "type", "transaction_type")),
    ("refund_of_tx_id", _l("Refund of (purchase id)"), False,
     ("rimborso_di", "storno_di", "id_acquisto", "acquisto_originale", "riferimento_acquisto", "refund_of",
      "refund_of_tx_id", "original_transaction_id", "original_id")),
    ("category", _l("Category"), False, ("categoria", "categoria_merceologica", "category")),
    ("redemption", _l("Redemption (voucher, card, direct payment)"), False,
     ("modalita", "modalita_di_utilizzo", "modalita_pagamento", "metodo_pagamento", "strumento",
      "redemption", "payment_method")),
]
FIELD_NAMES = [name for name, _label, _required, _aliases in FIELDS]
FIELD_LABELS = {name: label for name, label, _required, _aliases in FIELDS}
REQUIRED = [name for name, _label, required, _aliases in FIELDS if required]
KINDS = {"purchase": "purchase", "acquisto": "purchase", "vendita": "purchase", "sale": "purchase",
         "refund": "refund", "rimborso": "refund", "storno": "refund", "reso": "refund"}
REDEMPTIONS = {"voucher": "voucher", "buono": "voucher", "buoni": "voucher", "buono acquisto": "voucher",
               "card": "card", "carta": "card", "carta welfare": "card", "carta prepagata": "card",
               "direct": "direct", "direct payment": "direct", "pagamento diretto": "direct", "diretto": "direct"}
PROBLEMS = {
    "missing_column": _l("The file has no column for this required field."),
    "bad_file": _l("The file cannot be read as UTF-8 text separated by commas or semicolons."),
    "missing_value": _l("Required value missing."),
    "bad_partita_iva": _l("Malformed partita IVA (11 digits with a valid check digit)."),
    "bad_amount": _l("Not an amount (write 1234,56, 1.234,56 or 1234.56)."),
    "too_many_decimals": _l("More than two decimals."),
    "not_positive": _l("A purchase must have a positive amount."),
    "zero_amount": _l("The amount is zero."),
    "bad_date": _l("Not a date (write YYYY-MM-DD or DD/MM/YYYY, optionally with HH:MM[:SS])."),
    "bad_time": _l("Not a time (write HH:MM or HH:MM:SS)."),
    "bad_kind": _l("Unknown kind (purchase/acquisto or refund/rimborso/storno)."),
    "bad_redemption": _l("Unknown redemption (voucher/buono, card/carta or direct payment/pagamento diretto)."),
    "too_long": _l("The value is too long."),
    "refund_of_on_purchase": _l("Only a refund can refer to another transaction."),
    "unknown_purchase": _l("Refund of a purchase that is neither in the file nor already imported."),
    "conflicting_duplicate": _l("The same transaction id appears more than once with different content."),
    "changed_after_import": _l("A transaction with this id was already imported with different content."),
    "not_an_object": _l("Each transaction must be a JSON object."),
}
_MAX_LENGTH = {"provider_tx_id": 64, "refund_of_tx_id": 64, "category": 60}
_COPY_SPECIAL = re.compile(r"[\\\t\n\r]")


class ImportRefused(ValueError):
    """The import cannot start (wrong provider, nothing to import); the message is translated."""


# Headers and mappings ------------------------------------------------------------------------------------
def normalise_header(value) -> str:
    """ "Partita IVA " -> "partita_iva", "Modalità" -> "modalita": case, accents, spaces and punctuation."""
    folded = unicodedata.normalize("NFKD", str(value or "").strip().lower())
    plain = "".join(ch for ch in folded if not unicodedata.combining(ch))
    for sep in (" ", "-", ".", "/", "(", ")", "'"):
        plain = plain.replace(sep, "_")
    return "_".join(part for part in plain.split("_") if part)


def mapping_for(provider_id: int) -> dict[str, str]:
    """The provider's saved mapping (our field → their header), empty if none."""
    saved = db.session.scalar(select(ProviderMapping.columns).where(ProviderMapping.provider_id == provider_id))
    return {key: value for key, value in (saved or {}).items() if key in FIELD_NAMES and value}


def resolve_columns(headers: list[str], mapping: dict[str, str]) -> tuple[dict[str, int], list[str]]:
    """Which column holds each field (mapping first, then the default headers) and the missing required."""
    position = {}
    for number, header in enumerate(headers):
        position.setdefault(normalise_header(header), number)
    index = {}
    for name, _label, _required, aliases in FIELDS:
        wanted = [normalise_header(mapping[name])] if mapping.get(name) else []
        for candidate in [*wanted, *aliases]:
            if candidate in position:
                index[name] = position[candidate]
                break
    return index, [name for name in REQUIRED if name not in index]


def sniff_delimiter(first_line: str) -> str:
    return max((";", ",", "\t"), key=first_line.count)


# Parsing one row --------------------------------------------------------------------------------------
class RowParser:
    """Turns raw cells into a staged row or a list of problems; memoises what repeats across rows."""

    def __init__(self):
        self._days: dict[str, tuple | None] = {}
        self._times: dict[str, tuple | None] = {}
        self._offsets: dict[tuple, str] = {}
        self._pivas: dict[str, str | None] = {}
        self._fast_days: dict[str, tuple] = {}

    # Dates and times (Europe/Rome wall clock → ISO text with its UTC offset)
    def day(self, value: str):
        found = self._days.get(value, False)
        if found is not False:
            return found
        parsed = None
        try:
            if "/" in value or "." in value:
                d, m, y = value.replace(".", "/").split("/")
            else:
                y, m, d = value.split("-")
            if len(y) == 4 and y.isdigit() and m.isdigit() and d.isdigit() and len(m) <= 2 and len(d) <= 2:
                day = date(int(y), int(m), int(d))
                if 2000 <= day.year <= 2099:
                    parsed = (day.isoformat(), day.isoformat()[:8] + "01", day.year, day.month, day.day)
        except ValueError:
            parsed = None
        if len(self._days) < 100_000:
            self._days[value] = parsed
        return parsed

    def time(self, value: str):
        found = self._times.get(value, False)
        if found is not False:
            return found
        parsed = None
        parts = value.split(".")[0].split(":")
        if 2 <= len(parts) <= 3 and all(p.isdigit() and len(p) <= 2 for p in parts):
            h, m, s = (int(p) for p in (*parts, "0")[:3])
            if h < 24 and m < 60 and s < 60:
                parsed = (h, m, s)
        if len(self._times) < 100_000:
            self._times[value] = parsed
        return parsed

    def offset(self, day: tuple, hour: int) -> str:
        key = (day[0], hour)
        found = self._offsets.get(key)
        if found is None:
            delta = datetime(day[2], day[3], day[4], hour, tzinfo=ROME).utcoffset()
            minutes = int(delta.total_seconds()) // 60
            found = f"{'+' if minutes >= 0 else '-'}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
            if len(self._offsets) < 100_000:
                self._offsets[key] = found
        return found

    def moment(self, value: str, time_value: str):
        """(stamp "YYYY-MM-DD HH:MM:SS+01:00", Rome day, month's first day) or a problem code.

        The fast path takes a 10-character date already seen, then nothing, " HH:MM:SS" or " HH:MM"."""
        fast = self._fast_days.get(value[:10])
        if fast is not None:
            if len(value) == 10:
                time_text = time_value.strip() if time_value else ""
            elif value[10] in " T":
                time_text = value[11:].strip()
            else:
                time_text = None
            if time_text == "":
                return fast[3]
            if time_text is not None:
                size = len(time_text)
                if size == 5:
                    time_text += ":00"
                    size = 8
                if size == 8 and time_text[2] == ":" and time_text[5] == ":":
                    hh, mm, ss = time_text[:2], time_text[3:5], time_text[6:]
                    if hh.isdecimal() and mm.isdecimal() and ss.isdecimal() and hh < "24" and mm < "60" \
                            and ss < "60" and time_text.isascii():
                        return (f"{fast[0]} {time_text}{fast[2][int(hh)]}", fast[0], fast[1])
        return self._moment(value, time_value)

    def _moment(self, value: str, time_value: str):
        value = value.strip()
        day_text, sep, time_text = value.replace("T", " ").partition(" ")
        time_text = time_text.strip() or time_value.strip()
        if time_text.endswith("Z") or "+" in time_text or time_text.count("-"):
            return self._aware(value)
        day = self.day(day_text)
        if day is None:
            return "bad_date"
        if len(day_text) == 10 and day_text not in self._fast_days and len(self._fast_days) < 10_000:
            offsets = [self.offset(day, hour) for hour in range(24)]
            self._fast_days[day_text] = (day[0], day[1], offsets, (f"{day[0]} 00:00:00{offsets[0]}", day[0], day[1]))
        if time_text:
            clock = self.time(time_text)
            if clock is None:
                return "bad_time"
        else:
            clock = (0, 0, 0)
        h, m, s = clock
        return (f"{day[0]} {h:02d}:{m:02d}:{s:02d}{self.offset(day, h)}", day[0], day[1])

    @staticmethod
    def _aware(value: str):
        """An ISO 8601 moment with its own offset (typical of API clients)."""
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return "bad_date"
        if moment.tzinfo is None or not 2000 <= moment.year <= 2099:
            return "bad_date"
        local = moment.astimezone(ROME).replace(microsecond=0)
        day = local.date().isoformat()
        return (local.isoformat(sep=" "), day, day[:8] + "01")

    def partita_iva(self, value: str):
        found = self._pivas.get(value, False)
        if found is not False:
            return found
        number = value.strip().upper().replace(" ", "").replace(".", "")
        if number.startswith("IT"):
            number = number[2:]
        if number.isdigit() and 8 <= len(number) < 11:
            number = number.zfill(11)  # a spreadsheet took it for a number and dropped the leading zeros
        parsed = number if number.isdigit() and len(number) == 11 and iva.is_valid(number) else None
        if len(self._pivas) < 200_000:
            self._pivas[value] = parsed
        return parsed


def parse_cents(value: str):
    """"1.234,56" / "1234,56" / "1234.56" / "1,234.56" → signed integer cents, or a problem code."""
    separator = "," if "," in value else "."
    whole, _sep, fraction = value.partition(separator)
    if whole.isdecimal() and len(whole) <= 11 and value.isascii():  # the common "1234,56" / "1234.56" / "12"
        size = len(fraction)
        if size == 2 and fraction.isdecimal():
            return int(whole) * 100 + int(fraction)
        if size == 1 and fraction.isdecimal():
            return int(whole) * 100 + int(fraction) * 10
        if not _sep:
            return int(whole) * 100
    return _parse_cents(value)


def _parse_cents(value: str):
    text_value = value.strip().replace("€", "").replace(" ", "").replace("\u00a0", "")
    negative = text_value[:1] == "-"
    if text_value[:1] in "+-":
        text_value = text_value[1:]
    if not text_value or not text_value.isascii():
        return "bad_amount"
    comma, dot = text_value.rfind(","), text_value.rfind(".")
    if comma > dot:
        whole, fraction, thousands = text_value[:comma], text_value[comma + 1:], "."
    elif dot > comma:
        whole, fraction, thousands = text_value[:dot], text_value[dot + 1:], ","
    else:
        whole, fraction, thousands = text_value, "", ""
    if thousands and thousands in whole:
        groups = whole.split(thousands)
        if not (1 <= len(groups[0]) <= 3 and all(len(g) == 3 for g in groups[1:])):
            return "bad_amount"
        whole = "".join(groups)
    if not (whole.isdecimal() or (whole == "" and fraction)) or (fraction and not fraction.isdecimal()):
        return "bad_amount"
    if len(fraction) > 2:
        return "too_many_decimals"
    if len(whole) > 11:
        return "bad_amount"
    cents = int(whole or "0") * 100 + (int(fraction) * (10 if len(fraction) == 1 else 1) if fraction else 0)
    return -cents if negative else cents


def _copy_text(value: str) -> str:
    return (value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r"))


# Reading the sources ------------------------------------------------------------------------------------
class _Source:
    """Rows of one batch: `rows` yields (row number, cells), `index` maps fields to cells."""

    index: dict[str, int]
    headers: dict[str, str]
    rows: Iterator[tuple[int, list]]
    file_problems: list[tuple[str, str]]

    def position(self) -> float:
        return 0.0

    def close(self) -> None:
        return None


class _CsvSource(_Source):
    def __init__(self, upload: Upload, mapping: dict[str, str]):
        self.size = max(upload.size, 1)
        self.raw = open_upload(upload)
        self.file_problems = []
        head = self.raw.read(64 * 1024)
        self.raw.seek(0)
        encoding = "utf-8-sig"
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as exc:
            if exc.start < len(head) - 4:
                encoding = "cp1252"  # Italian Excel's "CSV (delimitato dal separatore di elenco)"
        self.text = io.TextIOWrapper(self.raw, encoding=encoding, newline="")
        first = (head.decode(encoding, errors="replace").lstrip("\ufeff").splitlines() or [""])[0]
        reader = csv.reader(self.text, delimiter=sniff_delimiter(first))
        try:
            header = next(reader, [])
        except (UnicodeDecodeError, csv.Error):
            header = []
        self.index, missing = resolve_columns(header, mapping)
        self.headers = {name: header[i].strip()[:40] for name, i in self.index.items()}
        if not header:
            self.file_problems.append(("", "bad_file"))
        else:
            self.file_problems += [(str(FIELD_LABELS[name])[:40], "missing_column") for name in missing]
        self.rows = self._rows(reader)

    def _rows(self, reader) -> Iterator[tuple[int, list]]:
        number = 1
        for cells in reader:
            number += 1
            if cells and any(cells):
                yield number, cells

    def position(self) -> float:
        return min(self.raw.tell() / self.size, 1.0)

    def close(self) -> None:
        self.text.close()


class _JsonSource(_Source):
    """An API batch: {"transactions": [{...}, ...]} stored as the batch's upload."""

    KEYS = {"provider_tx_id": ("id", "provider_tx_id", "transaction_id"),
            "occurred_at": ("occurred_at", "date", "datetime"), "time": ("time",),
            "partita_iva": ("partita_iva", "vat_number", "piva"), "amount": ("amount",), "kind": ("kind",),
            "refund_of_tx_id": ("refund_of", "refund_of_tx_id"), "category": ("category",),
            "redemption": ("redemption",)}

    def __init__(self, upload: Upload):
        with open_upload(upload) as handle:
            payload = json.loads(handle.read().decode("utf-8"))
        self.items = payload.get("transactions") or [] if isinstance(payload, dict) else []
        self.index = {name: i for i, name in enumerate(FIELD_NAMES)}
        self.headers = {name: self.KEYS[name][0] for name in FIELD_NAMES}
        self.file_problems = []
        self.rows = self._rows()
        self.done = 0

    def _rows(self) -> Iterator[tuple[int, list]]:
        for number, item in enumerate(self.items, start=1):
            self.done = number
            if not isinstance(item, dict):
                yield number, None
                continue
            cells = []
            for name in FIELD_NAMES:
                value = next((item[key] for key in self.KEYS[name] if item.get(key) not in (None, "")), "")
                cells.append(_json_cell(value))
            yield number, cells

    def position(self) -> float:
        return self.done / max(len(self.items), 1)


def _json_cell(value) -> str:
    if isinstance(value, bool):
        return "?"  # true/false is no amount, date or id: reported as malformed
    if isinstance(value, float):
        return repr(value)
    return str(value)


# The staging table ---------------------------------------------------------------------------------------
STAGE_COLUMNS = ("row_no", "tx", "occurred_at", "occurred_on", "month", "piva", "amount", "kind", "refund_of",
                 "category", "redemption", "fp")


class _Stage:
    """A temporary table fed row by row: COPY on PostgreSQL, executemany on SQLite."""

    def __init__(self, connection, batch_id: int):
        self.connection = connection
        self.postgres = connection.dialect.name == "postgresql"
        self.name = f"sn_stage_{batch_id}"
        self.skip = f"sn_skip_{batch_id}"
        self.rows = 0
        self._buffer: list = []
        self._copy = self._cursor = self._copy_cm = None

    def __enter__(self):
        if self.postgres:
            ddl = (f"CREATE TEMP TABLE {self.name} (row_no integer, tx text, occurred_at timestamptz, "
                   "occurred_on date, month date, piva text, amount bigint, kind text, refund_of text, "
                   "category text, redemption text, fp text) ON COMMIT DROP")
            skip = (f"CREATE TEMP TABLE {self.skip} (row_no integer PRIMARY KEY, reason text, code text, "
                    "col text, value text, tx text) ON COMMIT DROP")
        else:
            for table in (self.name, self.skip):
                self.connection.exec_driver_sql(f"DROP TABLE IF EXISTS temp.{table}")
            ddl = (f"CREATE TEMP TABLE {self.name} (row_no integer, tx text, occurred_at text, occurred_on text, "
                   "month text, piva text, amount integer, kind text, refund_of text, category text, "
                   "redemption text, fp text)")
            skip = (f"CREATE TEMP TABLE {self.skip} (row_no integer PRIMARY KEY, reason text, code text, "
                    "col text, value text, tx text)")
        self.connection.exec_driver_sql(ddl)
        self.connection.exec_driver_sql(skip)
        if self.postgres:
            raw = self.connection.connection.dbapi_connection
            self._cursor = raw.cursor()
            self._copy_cm = self._cursor.copy(f"COPY {self.name} ({', '.join(STAGE_COLUMNS)}) FROM STDIN")
            self._copy = self._copy_cm.__enter__()
        return self

    def add_line(self, line: str) -> None:
        """PostgreSQL: one COPY text line (already escaped, ending with a newline)."""
        self._buffer.append(line)
        self.rows += 1
        if len(self._buffer) >= CHUNK_ROWS:
            self._copy.write("".join(self._buffer))
            self._buffer.clear()

    def add_row(self, row: tuple) -> None:
        """SQLite: one row (occurred_at as naive UTC text, the way SQLAlchemy stores it)."""
        self._buffer.append(row)
        self.rows += 1
        if len(self._buffer) >= CHUNK_ROWS:
            self._flush_rows()

    def _flush_rows(self) -> None:
        if self._buffer:
            marks = ", ".join("?" for _c in STAGE_COLUMNS)
            self.connection.connection.dbapi_connection.cursor().executemany(
                f"INSERT INTO {self.name} VALUES ({marks})", self._buffer)  # noqa: S608 - our own table
            self._buffer.clear()

    def __exit__(self, exc_type, exc, tb):
        if self.postgres:
            if exc_type is None and self._buffer:
                self._copy.write("".join(self._buffer))
            self._buffer.clear()
            self._copy_cm.__exit__(exc_type, exc, tb)
            self._cursor.close()
            if exc_type is None:
                self.connection.exec_driver_sql(f"ANALYZE {self.name}")
        elif exc_type is None:
            self._flush_rows()
        return False

    def drop(self) -> None:
        if not self.postgres:  # PostgreSQL drops them at commit
            for table in (self.name, self.skip):
                self.connection.exec_driver_sql(f"DROP TABLE IF EXISTS temp.{table}")


# The import -------------------------------------------------------------------------------------------
class _Problems:
    """Bad rows found while parsing. They are spooled to a temporary file (the connection is busy with the
    COPY, and memory must stay flat even if every row is bad), then inserted in chunks."""

    def __init__(self, batch_id: int, headers: dict[str, str]):
        self.batch_id, self.headers = batch_id, headers
        self.rows = 0
        self._spool = tempfile.SpooledTemporaryFile(max_size=4 * MB, mode="w+", encoding="utf-8")  # noqa: SIM115

    def add(self, row_number: int, tx, found: list[tuple[str, str, str]]) -> None:
        self.rows += 1
        tx = (tx or None) and str(tx)[:64]
        for field, code, value in found:
            column = self.headers.get(field, field)[:40] or None
            self._spool.write(json.dumps([row_number, tx, column, code, (value or "")[:200] or None]) + "\n")

    def flush(self) -> None:
        self._spool.seek(0)
        chunk = []
        for line in self._spool:
            row_number, tx, column, code, value = json.loads(line)
            chunk.append({"batch_id": self.batch_id, "row_number": row_number, "provider_tx_id": tx,
                          "column": column, "code": code, "value": value})
            if len(chunk) >= CHUNK_ROWS:
                db.session.execute(insert(ImportProblem), chunk)
                chunk.clear()
        if chunk:
            db.session.execute(insert(ImportProblem), chunk)
        self._spool.close()


def import_file(batch_id: int, progress: Callable[[int, int], None] | None = None) -> ImportBatch:
    """Check and import one batch (file or API payload); commits. A finished batch is not run again."""
    batch = db.session.get(ImportBatch, batch_id)
    if batch is None or batch.status in FINAL_STATUSES:
        return batch
    progress = progress or (lambda done, total: None)
    db.session.execute(delete(ImportProblem).where(ImportProblem.batch_id == batch.id))  # an earlier attempt
    batch.status, batch.error = "running", None
    db.session.commit()
    try:
        _run(batch, progress)
    except Exception as exc:
        db.session.rollback()
        batch = db.session.get(ImportBatch, batch_id)
        batch.status, batch.error, batch.finished_at = "failed", f"{type(exc).__name__}: {exc}"[:2000], _now()
        db.session.commit()
        raise
    progress(100, 100)
    return db.session.get(ImportBatch, batch_id)


def _now() -> datetime:
    return datetime.now(UTC)


def _open_source(batch: ImportBatch) -> _Source:
    upload = db.session.get(Upload, batch.upload_id) if batch.upload_id else None
    if upload is None:
        raise ImportRefused(_("The batch has no file to import."))
    if batch.source == "api":
        return _JsonSource(upload)
    return _CsvSource(upload, mapping_for(batch.provider_id))


def _run(batch: ImportBatch, progress) -> None:
    source = _open_source(batch)
    problems = _Problems(batch.id, source.headers)
    connection = db.session.connection()
    stage = _Stage(connection, batch.id)
    try:
        if source.file_problems:
            problems.add(1, None, [(field, code, "") for field, code in source.file_problems])
            problems.flush()
            _finish(batch, total=0, bad=1, reject=True)
        else:
            started = time.perf_counter()
            with stage:
                total = _parse_into(stage, source, problems, progress)
            log.debug("%.3f s parse and stage %d rows", time.perf_counter() - started, total)
            problems.flush()
            progress(80, 100)
            _set_based(batch, stage, connection, total, problems.rows, source.headers, progress)
            stage.drop()
    finally:
        source.close()
    db.session.commit()  # PostgreSQL drops the temporary tables here


def _parse_into(stage: _Stage, source: _Source, problems: _Problems, progress) -> int:
    """The tight loop: parse and check every row, stream the good ones into the staging table."""
    parser = RowParser()
    day_and_time, partita_iva = parser.moment, parser.partita_iva
    kinds, redemptions = KINDS, REDEMPTIONS
    ix = source.index
    i_tx, i_at, i_piva, i_amount = ix["provider_tx_id"], ix["occurred_at"], ix["partita_iva"], ix["amount"]
    i_time, i_kind, i_ref = ix.get("time"), ix.get("kind"), ix.get("refund_of_tx_id")
    i_cat, i_red = ix.get("category"), ix.get("redemption")
    width = max(ix.values()) + 1
    postgres = stage.postgres
    add = stage.add_line if postgres else stage.add_row
    md5 = hashlib.md5
    special = _COPY_SPECIAL.search
    total = 0
    for number, cells in source.rows:
        total += 1
        if total % PROGRESS_EVERY == 0:
            progress(int(source.position() * 75), 100)
        if cells is None:
            problems.add(number, None, [("", "not_an_object", "")])
            continue
        if len(cells) < width:
            cells = cells + [""] * (width - len(cells))
        found = []
        tx = cells[i_tx].strip()
        if not tx:
            found.append(("provider_tx_id", "missing_value", ""))
        elif len(tx) > 64:
            found.append(("provider_tx_id", "too_long", tx))
        raw = cells[i_at]
        if not raw.strip():
            found.append(("occurred_at", "missing_value", ""))
            when = None
        else:
            when = day_and_time(raw, cells[i_time] if i_time is not None else "")
            if when.__class__ is str:
                found.append(("time" if when == "bad_time" else "occurred_at", when,
                              raw + (" " + cells[i_time] if i_time is not None else "")))
        raw = cells[i_piva]
        piva = partita_iva(raw) if raw else None
        if piva is None:
            found.append(("partita_iva", "bad_partita_iva" if raw.strip() else "missing_value", raw))
        kind = "purchase"
        if i_kind is not None:
            raw = cells[i_kind]
            if raw:
                kind = kinds.get(raw.strip().lower())
                if kind is None:
                    found.append(("kind", "bad_kind", raw))
        raw = cells[i_amount]
        cents = parse_cents(raw) if raw.strip() else "missing_value"
        if cents.__class__ is str:
            found.append(("amount", cents, raw))
        elif cents <= 0:
            if cents == 0:
                found.append(("amount", "zero_amount", raw))
            elif kind == "refund":
                cents = -cents  # refunds are often exported with a minus sign
            else:
                found.append(("amount", "not_positive", raw))
        refund_of = cells[i_ref].strip() or None if i_ref is not None else None
        if refund_of is not None:
            if kind == "purchase":
                found.append(("refund_of_tx_id", "refund_of_on_purchase", refund_of))
            elif len(refund_of) > 64:
                found.append(("refund_of_tx_id", "too_long", refund_of))
        category = cells[i_cat].strip() or None if i_cat is not None else None
        if category is not None and len(category) > 60:
            found.append(("category", "too_long", category))
        redemption = None
        if i_red is not None:
            raw = cells[i_red].strip()
            if raw:
                redemption = redemptions.get(raw.lower())
                if redemption is None:
                    found.append(("redemption", "bad_redemption", raw))
        if found:
            problems.add(number, tx, found)
            continue
        stamp, day, month = when
        fp = md5(f"{tx}|{stamp}|{piva}|{cents}|{kind}|{refund_of or ''}|{category or ''}|{redemption or ''}"
                 .encode(), usedforsecurity=False).hexdigest()
        if postgres:
            if special(f"{tx}{refund_of or ''}{category or ''}"):
                tx = _copy_text(tx)
                refund_of = refund_of and _copy_text(refund_of)
                category = category and _copy_text(category)
            add(f"{number}\t{tx}\t{stamp}\t{day}\t{month}\t{piva}\t{cents}\t{kind}\t{refund_of or chr(92) + 'N'}"
                f"\t{category or chr(92) + 'N'}\t{redemption or chr(92) + 'N'}\t{fp}\n")
        else:
            utc = datetime.fromisoformat(stamp).astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
            add((number, tx, utc, day, month, piva, cents, kind, refund_of, category, redemption, fp))
    return total


_NOT_SKIPPED = "NOT EXISTS (SELECT 1 FROM {skip} k WHERE k.row_no = s.row_no)"
_IN_NETWORK = ("EXISTS (SELECT 1 FROM base_organisations o JOIN shop_network_periods p ON p.organisation_id = o.id "
               "WHERE o.partita_iva = s.piva AND p.starts_on <= s.occurred_on "
               "AND (p.ends_on IS NULL OR p.ends_on >= s.occurred_on))")


_INSERT = (
    "INSERT INTO shop_network_transactions (provider_id, provider_tx_id, occurred_at, occurred_on, "  # noqa: S608
    "organisation_id, partita_iva, amount, kind, refund_of_tx_id, refund_of_id, category, redemption, fingerprint, "
    "batch_id, is_late) "
    "SELECT :provider, s.tx, s.occurred_at, s.occurred_on, p.organisation_id, s.piva, s.amount, s.kind, "
    "s.refund_of, {refund_of_id}, s.category, s.redemption, s.fp, :batch, coalesce(l.last_month >= s.month, false) "
    "FROM {stage} s JOIN base_organisations o ON o.partita_iva = s.piva "
    "JOIN shop_network_periods p ON p.organisation_id = o.id AND p.starts_on <= s.occurred_on "
    "AND (p.ends_on IS NULL OR p.ends_on >= s.occurred_on) "
    "LEFT JOIN (SELECT organisation_id, max(month) AS last_month FROM shop_network_settlements "
    "WHERE kind = 'shop' AND state IN ('confirmed', 'requested', 'paid') GROUP BY organisation_id) l "
    "ON l.organisation_id = p.organisation_id "
    "WHERE s.kind = :kind AND NOT EXISTS (SELECT 1 FROM {skip} k WHERE k.row_no = s.row_no) "
    "ON CONFLICT (provider_id, provider_tx_id) DO NOTHING")
_REFUND_OF_ID = ("(SELECT r.id FROM shop_network_transactions r WHERE r.provider_id = :provider "
                 "AND r.provider_tx_id = s.refund_of AND r.kind = 'purchase')")


def _set_based(batch: ImportBatch, stage: _Stage, connection, total: int, parse_bad: int, headers: dict,
               progress) -> None:
    """The checks that need the whole file or the database, then the insert; all in SQL."""
    s, k = stage.name, stage.skip
    params = {"provider": batch.provider_id, "batch": batch.id}

    def run(sql: str, **extra):
        started = time.perf_counter()
        result = connection.execute(text(sql.format(stage=s, skip=k)), {**params, **extra})
        log.debug("%.3f s %s", time.perf_counter() - started, sql[:70])
        return result

    if stage.postgres:
        run("SET LOCAL work_mem = '128MB'")
        run(f"SELECT pg_advisory_xact_lock({_LOCK_KEY}, :provider)")
        _fresh_statistics(connection)
    # 1. The same id more than once in the file: different content → every such row is bad; the same
    #    content → the first counts, the others are duplicates.
    run("INSERT INTO {skip} (row_no, reason, code, col, value, tx) "
        "SELECT s.row_no, CASE WHEN m.conflict = 1 THEN 'bad' ELSE 'dup' END, "
        "CASE WHEN m.conflict = 1 THEN 'conflicting_duplicate' END, 'provider_tx_id', s.tx, s.tx "
        "FROM {stage} s JOIN (SELECT tx, min(row_no) AS keep, CASE WHEN min(fp) <> max(fp) THEN 1 ELSE 0 END "
        "AS conflict FROM {stage} GROUP BY tx HAVING count(*) > 1) m ON m.tx = s.tx "
        "WHERE m.conflict = 1 OR s.row_no <> m.keep")
    # 2. Already imported: the same content is a duplicate, other content a bad row; rows already set aside
    #    as outside the network are duplicates too.
    run("INSERT INTO {skip} (row_no, reason, code, col, value, tx) "
        "SELECT s.row_no, CASE WHEN t.fingerprint = s.fp THEN 'dup' ELSE 'bad' END, "
        "CASE WHEN t.fingerprint = s.fp THEN NULL ELSE 'changed_after_import' END, 'provider_tx_id', s.tx, s.tx "
        "FROM {stage} s JOIN shop_network_transactions t ON t.provider_id = :provider AND t.provider_tx_id = s.tx "
        "WHERE true ON CONFLICT (row_no) DO NOTHING")
    run("INSERT INTO {skip} (row_no, reason, tx) SELECT s.row_no, 'dup', s.tx FROM {stage} s "
        "JOIN shop_network_outside_rows x ON x.provider_id = :provider AND x.provider_tx_id = s.tx "
        "WHERE true ON CONFLICT (row_no) DO NOTHING")
    # 3. A refund of a purchase that is neither in the file nor already here.
    run("INSERT INTO {skip} (row_no, reason, code, col, value, tx) "
        "SELECT s.row_no, 'bad', 'unknown_purchase', 'refund_of_tx_id', s.refund_of, s.tx FROM {stage} s "
        "WHERE s.kind = 'refund' AND s.refund_of IS NOT NULL "
        "AND NOT EXISTS (SELECT 1 FROM {stage} p WHERE p.tx = s.refund_of AND p.kind = 'purchase') "
        "AND NOT EXISTS (SELECT 1 FROM shop_network_transactions t WHERE t.provider_id = :provider "
        "AND t.provider_tx_id = s.refund_of AND t.kind = 'purchase') "
        "AND NOT EXISTS (SELECT 1 FROM shop_network_outside_rows x WHERE x.provider_id = :provider "
        "AND x.provider_tx_id = s.refund_of AND x.kind = 'purchase') "
        "ON CONFLICT (row_no) DO NOTHING")
    run("INSERT INTO shop_network_import_problems (batch_id, row_number, provider_tx_id, \"column\", code, value) "
        "SELECT :batch, k.row_no, substr(k.tx, 1, 64), :column_tx, k.code, substr(k.value, 1, 200) "
        "FROM {skip} k WHERE k.reason = 'bad' AND k.col = 'provider_tx_id'",
        column_tx=headers.get("provider_tx_id", "provider_tx_id"))
    run("INSERT INTO shop_network_import_problems (batch_id, row_number, provider_tx_id, \"column\", code, value) "
        "SELECT :batch, k.row_no, substr(k.tx, 1, 64), :column_ref, k.code, substr(k.value, 1, 200) "
        "FROM {skip} k WHERE k.reason = 'bad' AND k.col = 'refund_of_tx_id'",
        column_ref=headers.get("refund_of_tx_id", "refund_of_tx_id"))
    sql_bad, _duplicates = run("SELECT coalesce(sum(CASE WHEN reason = 'bad' THEN 1 ELSE 0 END), 0), "
                              "coalesce(sum(CASE WHEN reason = 'dup' THEN 1 ELSE 0 END), 0) FROM {skip}").one()
    bad = parse_bad + int(sql_bad)
    progress(88, 100)
    if bad and not batch.keep_good_rows:
        _finish(batch, total=total, bad=bad, reject=True)
        return
    # 4. Outside the network on the row's day: set aside and counted.
    outside = run("INSERT INTO shop_network_outside_rows (batch_id, provider_id, provider_tx_id, partita_iva, "  # noqa: S608
                  "occurred_on, amount, kind) SELECT :batch, :provider, s.tx, s.piva, s.occurred_on, s.amount, s.kind "
                  f"FROM {{stage}} s WHERE {_NOT_SKIPPED} AND NOT {_IN_NETWORK} "
                  "ON CONFLICT (provider_id, provider_tx_id) DO NOTHING").rowcount
    progress(92, 100)
    # 5. The transactions, flagged late when the shop's month (or a later one) is already confirmed: the
    #    purchases first, then the refunds, which find their purchase's id (in this file or imported before)
    #    by the unique index.
    imported = late = 0
    for kind, refund_of_id in (("purchase", "NULL"), ("refund", _REFUND_OF_ID)):
        insert_sql = _INSERT.format(refund_of_id=refund_of_id, stage=s, skip=k)
        if stage.postgres:
            count, count_late = run(f"WITH ins AS ({insert_sql} RETURNING is_late) "  # noqa: S608
                                    "SELECT count(*), count(*) FILTER (WHERE is_late) FROM ins", kind=kind).one()
            imported, late = imported + count, late + count_late
        else:
            run(insert_sql, kind=kind)
    if not stage.postgres:
        imported, late = run("SELECT count(*), coalesce(sum(CASE WHEN is_late THEN 1 ELSE 0 END), 0) "
                             "FROM shop_network_transactions WHERE batch_id = :batch").one()
    _finish(batch, total=total, bad=bad, reject=False, imported=int(imported), late=int(late),
            outside=int(outside), duplicate=total - bad - int(imported) - int(outside))


def _fresh_statistics(connection) -> None:
    """ANALYZE the tables the checks join with when their statistics lag far behind (a big import just
    before, autovacuum not yet there): a plan made for an empty table would probe a large one row by row."""
    for table in ("shop_network_transactions", "shop_network_outside_rows"):
        estimated, live = connection.execute(text(
            "SELECT greatest(c.reltuples, 0), coalesce(s.n_live_tup, 0) FROM pg_class c "
            "LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid WHERE c.oid = CAST(:t AS regclass)"),
            {"t": table}).one()
        if live > 2 * estimated + 10_000:
            started = time.perf_counter()
            connection.exec_driver_sql(f"ANALYZE {table}")
            log.debug("%.3f s ANALYZE %s (%d rows estimated, %d live)", time.perf_counter() - started, table,
                      estimated, live)


def _finish(batch: ImportBatch, *, total: int, bad: int, reject: bool, imported: int = 0, late: int = 0,
            outside: int = 0, duplicate: int = 0) -> None:
    batch.status = "rejected" if reject else "imported"
    batch.rows_total, batch.rows_bad = total, bad
    batch.rows_imported, batch.rows_late = imported, late
    batch.rows_outside, batch.rows_duplicate = outside, duplicate
    batch.finished_at = _now()


# Starting imports --------------------------------------------------------------------------------------
def check_provider(provider_id: int, user) -> None:
    """A provider's user imports only for their own organisation; raises ImportRefused otherwise."""
    from modules.partners.models import PartnerOrganisation

    provider = db.session.get(PartnerOrganisation, provider_id)
    if provider is None or provider.type != "provider":
        raise ImportRefused(_("Choose a welfare-platform provider."))
    if user is not None and user.is_external and user.organisation_id != provider_id:
        raise ImportRefused(_("You can import transactions only for your own organisation."))


def create_batch(provider_id: int, *, source: str, upload: Upload, keep_good_rows: bool, user=None,
                 idempotency_key: str | None = None, sha256: str | None = None) -> ImportBatch:
    batch = ImportBatch(provider_id=provider_id, source=source, filename=upload.original_name,
                        sha256=sha256 or upload.sha256, upload_id=upload.id, keep_good_rows=bool(keep_good_rows),
                        idempotency_key=idempotency_key, status="queued",
                        created_by_id=getattr(user, "id", None))
    db.session.add(batch)
    db.session.flush()
    attach(upload, batch)
    return batch


def start_import(file, provider_id: int, keep_good_rows: bool, user, *, source: str = "upload",
                 filename: str | None = None) -> ImportBatch:
    """Store the file (UploadRejected if it is not text) and run the import as a job; returns the batch
    (finished already when jobs run in-process, queued when a worker will take it)."""
    from app.jobs import enqueue

    check_provider(provider_id, user)
    upload = save_upload(USE, file, filename=filename, user=user)
    batch = create_batch(provider_id, source=source, upload=upload, keep_good_rows=keep_good_rows, user=user)
    db.session.commit()
    batch_id = batch.id
    job = enqueue(JOB, user=user, batch_id=batch_id)
    batch = db.session.get(ImportBatch, batch_id)
    batch.job_id = job.id
    if job.status == "failed" and batch.status not in FINAL_STATUSES:
        batch.status, batch.error = "failed", (job.error or "").splitlines()[0][:2000] if job.error else None
    db.session.commit()
    return batch


def summary(batch: ImportBatch) -> dict:
    return {"batch": batch.id, "status": batch.status, "rows": batch.rows_total, "imported": batch.rows_imported,
            "duplicates": batch.rows_duplicate, "outside_network": batch.rows_outside, "bad": batch.rows_bad,
            "late": batch.rows_late}


# The report ------------------------------------------------------------------------------------------
REPORT_COLUMNS = [("row", _l("Row")), ("provider_tx_id", _l("Transaction id")), ("column", _l("Column")),
                  ("code", _l("Code")), ("message", _l("Problem")), ("value", _l("Value"))]


def message_for(code: str) -> str:
    return str(PROBLEMS.get(code, code))


def problems_of(batch_id: int, limit: int | None = None) -> Iterable[ImportProblem]:
    stmt = (select(ImportProblem).where(ImportProblem.batch_id == batch_id)
            .order_by(ImportProblem.row_number, ImportProblem.id))
    if limit is not None:
        return db.session.scalars(stmt.limit(limit))
    return db.session.scalars(stmt.execution_options(yield_per=2000))


def report_rows(batch_id: int) -> Iterator[dict]:
    """One line per problem, in row order, the message in the reader's language (for the CSV)."""
    for problem in problems_of(batch_id):
        yield {"row": problem.row_number, "provider_tx_id": problem.provider_tx_id or "",
               "column": problem.column or "", "code": problem.code, "message": message_for(problem.code),
               "value": problem.value or ""}


def save_mapping(provider_id: int, columns: dict[str, str], user=None) -> ProviderMapping:
    """Save the provider's column names (our field → their header); empty entries are dropped."""
    clean = {name: str(value).strip()[:80] for name, value in columns.items()
             if name in FIELD_NAMES and value and str(value).strip()}
    mapping = db.session.scalar(select(ProviderMapping).where(ProviderMapping.provider_id == provider_id))
    if mapping is None:
        mapping = ProviderMapping(provider_id=provider_id, columns=clean)
        db.session.add(mapping)
    else:
        mapping.columns = clean
    db.session.commit()
    return mapping


# API batches -------------------------------------------------------------------------------------------
def api_payload_upload(body: bytes, user) -> Upload:
    """Keep the API request's body as the batch's file (what was sent, for the record)."""
    return save_upload(API_USE, io.BytesIO(body), filename="api-batch.json", user=user)


def canonical_sha256(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


codecs.lookup("cp1252")  # fail at import time, not in a job, if the codec were missing
