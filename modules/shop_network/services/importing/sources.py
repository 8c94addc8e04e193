"""The rows of one batch, as lists of text cells: a provider's CSV file (read as a stream) or an API payload."""

from __future__ import annotations

import codecs
import csv
import io
import json
from collections.abc import Iterator
from itertools import repeat
from operator import methodcaller

from app.uploads import Upload, open_upload

from .fields import FIELD_LABELS, FIELD_NAMES, resolve_columns, sniff_delimiter

# A row that is not text (an undecodable byte, replaced while reading, or a NUL) is yielded as False: reported.
UNDECODABLE, NUL = "\ufffd", "\x00"
_END_OF_LINE = methodcaller("rstrip", "\r\n")


class Source:
    """`rows` yields (row number, cells), cells being None for an API item that is not an object and False for a
    row that is not text; `index` maps our fields to cells, `headers` names them."""

    index: dict[str, int]
    headers: dict[str, str]
    needs_escaping = True  # a value may hold a backslash, a tab or a line break (COPY would misread it)
    skips_empty_rows = False  # True: `rows` may yield empty rows, which the reader must skip
    rows: Iterator[tuple[int, list | None | bool]]
    file_problems: list[tuple[str, str]]

    def position(self) -> float:
        return 0.0

    def close(self) -> None:
        return None


class CsvSource(Source):
    """A CSV file: `,`, `;` or tab (sniffed), UTF-8 with or without BOM, or Italian Excel's Windows-1252.

    The file is scanned once first (in blocks: memory stays flat). A file without quotes, undecodable bytes or
    NULs (the usual export) is split line by line, with no other check; one with quotes, which may hide
    separators and line breaks inside a value, goes through the csv module (twice as slow). A row
    number is the record's number in the file, the header being row 1; empty rows are skipped."""

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
        quoted, clean, self.needs_escaping = self._scan(encoding)
        self.text = io.TextIOWrapper(self.raw, encoding=encoding, errors="replace", newline="")
        first = (head.decode(encoding, errors="replace").lstrip("\ufeff").splitlines() or [""])[0]
        self.delimiter = sniff_delimiter(first)
        header = next(csv.reader([self.text.readline()], delimiter=self.delimiter), [])
        self.index, missing = resolve_columns(header, mapping)
        self.headers = {name: header[i].strip()[:40] for name, i in self.index.items()}
        if not header or not any(cell.strip() for cell in header):
            self.file_problems.append(("", "bad_file"))
        else:
            self.file_problems += [(str(FIELD_LABELS[name])[:40], "missing_column") for name in missing]
        self.rows = self._quoted_rows() if quoted else self._plain_rows() if clean else self._checked_rows()

    def _scan(self, encoding: str) -> tuple[bool, bool, bool]:
        """(whether the file has quotes, whether it is clean text: it decodes and has no NUL, whether it has a
        backslash or a tab, which COPY would misread)."""
        decoder = codecs.getincrementaldecoder(encoding)()
        quoted, clean, special = False, True, False
        while block := self.raw.read(1024 * 1024):
            quoted = quoted or b'"' in block
            special = special or b"\\" in block or b"\t" in block
            if clean:
                try:
                    decoder.decode(block)
                except UnicodeDecodeError:
                    clean = False
                clean = clean and b"\x00" not in block
        self.raw.seek(0)
        return quoted, clean, quoted or special

    def _plain_rows(self) -> Iterator[tuple[int, list]]:
        """Made of C iterators (no Python frame per row); empty rows come through, as a reader skips them."""
        self.skips_empty_rows = True
        return enumerate(map(str.split, map(_END_OF_LINE, self.text), repeat(self.delimiter)), start=2)

    def _checked_rows(self) -> Iterator[tuple[int, list | bool]]:
        delimiter = self.delimiter
        for number, line in enumerate(self.text, start=2):
            cells = line.rstrip("\r\n").split(delimiter)
            if any(cells):
                yield number, cells if UNDECODABLE not in line and NUL not in line else False

    def _quoted_rows(self) -> Iterator[tuple[int, list | bool]]:
        number = 1
        for cells in csv.reader(self.text, delimiter=self.delimiter):
            number += 1
            if cells and any(cells):
                yield number, cells if not any(UNDECODABLE in c or NUL in c for c in cells) else False

    def position(self) -> float:
        return min(self.raw.tell() / self.size, 1.0)

    def close(self) -> None:
        self.text.close()


class JsonSource(Source):
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

    def _rows(self) -> Iterator[tuple[int, list | None]]:
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
