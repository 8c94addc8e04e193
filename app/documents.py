"""Documents: HTML -> PDF with WeasyPrint, and the export formats (CSV, Italian CSV, XLSX, JSON).

PDFs. ``render_pdf("agreements/agreement.html", agreement=a, footer_text=...)`` renders a template
that extends ``documents/base.html`` (Italian typography, header, footer with "Pagina 1 di 3").
A PDF that anything refers to (a hash, a signature, a statement) is rendered ONCE and stored — by the
module, through the uploads service, with its :func:`pdf_sha256` — and never rendered again: its bytes
change with WeasyPrint and font versions, so a re-rendered document would no longer match what was
signed. Rendering loads only local files (templates, static fonts and images) and ``data:`` URLs;
anything on the network is refused.

Exports. :func:`export_rows` turns dicts into bytes in one of four formats; :func:`iter_csv` streams
CSV for large exports; :func:`send_export` builds the download response. Column keys are the stable
names. Decimals never become floats.

- ``csv``: RFC 4180, comma, UTF-8 without BOM, decimal point, ISO dates, header = column keys
  (machine-readable open data).
- ``csv-it``: for Italian Excel: ``;``, UTF-8 with BOM, decimal comma, DD/MM/YYYY dates (times in
  Europe/Rome), header = column labels, text that Excel would run as a formula is prefixed with ``'``.
- ``xlsx``: header = column labels; Decimals are numbers with a two-decimal format, dates are dates.
- ``json``: a list of objects keyed by column keys; Decimals are strings (``"1234.56"``), dates ISO.
"""

from __future__ import annotations

import csv
import enum
import functools
import hashlib
import io
import json
import re
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, BinaryIO, Literal
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

from flask import Response, current_app, render_template, stream_with_context
from flask_babel import force_locale
from flask_babel import gettext as _
from markupsafe import Markup
from werkzeug.utils import secure_filename

from config import ROOT

from .dates import ROME
from .identity import district_identity

__all__ = [
    "EXPORT_FORMATS",
    "export_filename",
    "export_rows",
    "iter_csv",
    "local_only_fetcher",
    "page_counter_css",
    "pdf_sha256",
    "render_pdf",
    "send_export",
]

ExportFormat = Literal["csv", "csv-it", "xlsx", "json"]
Columns = Sequence[tuple[str, Any]]  # (key, header); the header may be a lazy string

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXPORT_FORMATS: dict[str, tuple[str, str]] = {
    "csv": ("text/csv; charset=utf-8", "csv"),
    "csv-it": ("text/csv; charset=utf-8", "csv"),
    "xlsx": (XLSX_MIMETYPE, "xlsx"),
    "json": ("application/json", "json"),
}
CSV_CHUNK_ROWS = 500
BOM = "\ufeff"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


# PDF ---------------------------------------------------------------------------------------------
# WeasyPrint (about 2 s to import) and openpyxl load on first use, not with every app and CLI command.
@functools.cache
def _fetcher_class() -> type:
    from weasyprint.urls import URLFetcher

    class LocalOnlyFetcher(URLFetcher):
        """Fetches ``data:`` URLs and files inside the project; refuses the network and other files.

        A refused resource is skipped with a warning in WeasyPrint's log (an image is left out);
        the rendering itself goes on.
        """

        def __init__(self, roots: Iterable[Path]) -> None:
            super().__init__(allowed_protocols=("file", "data"), allow_redirects=False)
            self.roots = [Path(root).resolve() for root in roots]

        def fetch(self, url: str, headers: dict | None = None):
            scheme = url.split(":", 1)[0].lower()
            if scheme not in ("file", "data"):
                raise ValueError(f"documents load local files only; refused {url}")
            if scheme == "file" and not _is_inside(url, self.roots):
                raise ValueError(f"documents load files of the project only; refused {url}")
            return super().fetch(url, headers)

    return LocalOnlyFetcher


def local_only_fetcher(roots: Iterable[Path] = (ROOT,)):
    """WeasyPrint's URL fetcher for documents: local files under ``roots`` and ``data:`` URLs only."""
    return _fetcher_class()(roots)


def _is_inside(url: str, roots: list[Path]) -> bool:
    parts = urlsplit(url)
    if parts.netloc not in ("", "localhost"):
        return False
    path = Path(url2pathname(unquote(parts.path))).resolve()
    return any(path.is_relative_to(root) for root in roots)


def page_counter_css() -> Markup:
    """CSS ``content`` for the page counter, e.g. ``"Pagina " counter(page) " di " counter(pages)``."""
    text = _("Page %(page)s of %(pages)s", page="\x00", pages="\x01")
    pieces = []
    for piece in re.split("(\x00|\x01)", text):
        if piece == "\x00":
            pieces.append("counter(page)")
        elif piece == "\x01":
            pieces.append("counter(pages)")
        elif piece:
            pieces.append(_css_string(piece))
    return Markup(" ".join(pieces))  # noqa: S704 - built from escaped CSS strings only


def _css_string(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("<", "\\3c ").replace("\n", " ")
    return f'"{escaped}"'


def render_pdf(template_name: str, /, *, lang: str = "it", **context: Any) -> bytes:
    """Render a Jinja template (extending ``documents/base.html``) to PDF bytes, in ``lang``.

    Needs an app context. ``footer_text`` in ``context`` goes in every page's footer (e.g. the
    version and hash of an agreement). Store the result once; never render it again for the same record.
    """
    with force_locale(lang):
        context.setdefault("district", district_identity())
        html = render_template(template_name, lang=lang, page_counter=page_counter_css(), **context)
    from weasyprint import HTML

    static = Path(current_app.static_folder or ROOT / "app" / "static")
    document = HTML(string=html, base_url=static.as_uri() + "/", url_fetcher=local_only_fetcher())
    return document.write_pdf()


def pdf_sha256(data: bytes) -> str:
    """The SHA-256 of a document's bytes, in hex: what is signed and what the stored upload records."""
    return hashlib.sha256(data).hexdigest()


# Cell values -------------------------------------------------------------------------------------
def _as_utc(value: datetime) -> datetime:
    # Timestamps are stored in UTC; SQLite gives them back without a zone.
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _plain_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime):
        return _as_utc(value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return str(value.value)
    return str(value)


def _italian_cell(value: Any) -> str:
    if isinstance(value, bool):
        return "VERO" if value else "FALSO"
    if isinstance(value, Decimal):
        return format(value, "f").replace(".", ",")
    if isinstance(value, float):
        return repr(value).replace(".", ",")
    if isinstance(value, datetime):
        return _as_utc(value).astimezone(ROME).strftime("%d/%m/%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    text = _plain_cell(value)
    if isinstance(value, int):
        return text
    return "'" + text if text.startswith(_FORMULA_START) else text


def _json_value(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return _plain_cell(value)


# CSV ---------------------------------------------------------------------------------------------
class _Echo:
    """A file-like object whose write returns what it was given, so csv.writer yields lines."""

    def write(self, value: str) -> str:
        return value


def _csv_dialect(fmt: str) -> tuple[str, Any, Any]:
    if fmt == "csv":
        return ",", _plain_cell, lambda key, header: key
    if fmt == "csv-it":
        return ";", _italian_cell, lambda key, header: str(header)
    raise ValueError(f"not a CSV format: {fmt!r}")


def iter_csv(rows: Iterable[dict], columns: Columns, fmt: ExportFormat = "csv") -> Iterator[bytes]:
    """Yield a CSV export in UTF-8 chunks of a few hundred rows (for streaming large exports)."""
    delimiter, cell, title = _csv_dialect(fmt)
    writer = csv.writer(_Echo(), delimiter=delimiter, lineterminator="\r\n")
    head = writer.writerow([title(key, header) for key, header in columns])
    yield ((BOM if fmt == "csv-it" else "") + head).encode("utf-8")
    chunk: list[str] = []
    for row in rows:
        chunk.append(writer.writerow([cell(row.get(key)) for key, _header in columns]))
        if len(chunk) >= CSV_CHUNK_ROWS:
            yield "".join(chunk).encode("utf-8")
            chunk = []
    if chunk:
        yield "".join(chunk).encode("utf-8")


# XLSX and JSON -----------------------------------------------------------------------------------
def _xlsx_cell(sheet, value: Any):
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if isinstance(value, datetime):
        value = _as_utc(value).astimezone(ROME).replace(tzinfo=None)  # Excel has no time zones
    elif isinstance(value, enum.Enum):
        value = value.value
    elif value is not None and not isinstance(value, bool | int | float | Decimal | date):
        value = ILLEGAL_CHARACTERS_RE.sub("", str(value))  # control characters are not allowed in XML
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        cell.data_type = "s"  # text starting with "=" stays text, never a formula
    elif isinstance(value, Decimal):
        cell.number_format = "#,##0.00"
    elif isinstance(value, datetime):
        cell.number_format = "DD/MM/YYYY HH:MM"
    elif isinstance(value, date):
        cell.number_format = "DD/MM/YYYY"
    return cell


def _write_xlsx(rows: Iterable[dict], columns: Columns, target: BinaryIO) -> None:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)  # rows go to a temporary file, not to memory
    sheet = workbook.create_sheet()
    sheet.append([_xlsx_cell(sheet, str(header)) for _key, header in columns])
    for row in rows:
        sheet.append([_xlsx_cell(sheet, row.get(key)) for key, _header in columns])
    workbook.save(target)


def _xlsx_bytes(rows: Iterable[dict], columns: Columns) -> bytes:
    buffer = io.BytesIO()
    _write_xlsx(rows, columns, buffer)
    return buffer.getvalue()


def _json_bytes(rows: Iterable[dict], columns: Columns) -> bytes:
    data = [{key: _json_value(row.get(key)) for key, _header in columns} for row in rows]
    return json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8")


def export_rows(rows: Iterable[dict], columns: Columns, fmt: ExportFormat) -> tuple[bytes, str, str]:
    """Export ``rows`` (dicts) with ``columns`` [(key, header)] as ``(data, mimetype, extension)``."""
    if fmt not in EXPORT_FORMATS:
        raise ValueError(f"unknown export format {fmt!r}: use one of {', '.join(EXPORT_FORMATS)}")
    mimetype, extension = EXPORT_FORMATS[fmt]
    if fmt == "xlsx":
        data = _xlsx_bytes(rows, columns)
    elif fmt == "json":
        data = _json_bytes(rows, columns)
    else:
        data = b"".join(iter_csv(rows, columns, fmt))
    return data, mimetype, extension


def write_export(rows: Iterable[dict], columns: Columns, fmt: ExportFormat, target: BinaryIO) -> None:
    """Write an export of any size to an open binary file (CSV streamed row by row, XLSX in write-only mode)."""
    if fmt == "xlsx":
        _write_xlsx(rows, columns, target)
    elif fmt in ("csv", "csv-it"):
        for chunk in iter_csv(rows, columns, fmt):
            target.write(chunk)
    else:
        raise ValueError(f"export format {fmt!r} cannot be written in the background: use csv, csv-it or xlsx")


def export_filename(stem: str, extension: str) -> str:
    """A filename safe in a Content-Disposition header: ASCII letters, digits, ``-``, ``_`` and ``.``."""
    return f"{secure_filename(stem) or 'export'}.{extension}"


def send_export(rows: Iterable[dict], columns: Columns, fmt: ExportFormat, stem: str) -> Response:
    """The download response for an export; CSV is streamed (rows may be a lazy query)."""
    if fmt not in EXPORT_FORMATS:
        raise ValueError(f"unknown export format {fmt!r}")
    mimetype, extension = EXPORT_FORMATS[fmt]
    if fmt in ("csv", "csv-it"):
        response = Response(stream_with_context(iter_csv(rows, columns, fmt)), mimetype=mimetype)
    else:
        data, mimetype, extension = export_rows(rows, columns, fmt)
        response = Response(data, mimetype=mimetype)
    response.headers.set("Content-Disposition", "attachment", filename=export_filename(stem, extension))
    response.headers.set("X-Content-Type-Options", "nosniff")
    return response
