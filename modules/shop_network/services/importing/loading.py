"""Where the rows of an import go (:mod:`.reading` decides which row goes where).

- a bad row goes to the report (:class:`Problems`);
- on PostgreSQL, when the import can go direct (:class:`DirectLoad`), the rows of shops in the network go
  straight into the transactions table by ``COPY`` while the file is still being read — PostgreSQL loads on
  one core while Python reads on the other — and the rows outside the network into their own table just
  after; nothing is staged;
- otherwise (SQLite, or a file the direct way cannot finish: :class:`Redo`) every row goes to a staging
  table (:class:`Stage`) that set-based SQL checks before writing (:mod:`.checks`).

Rows are written as ``COPY`` text lines; what cannot be written while the connection is busy with a ``COPY``
is spooled to a temporary file (:class:`Spool`): memory stays flat whatever the file. Values are checked
before they are written, so PostgreSQL never rejects a line; wall-clock times are read in Europe/Rome by the
session (``SET LOCAL TimeZone``).
"""

from __future__ import annotations

import json
import re
import tempfile
from datetime import UTC

from sqlalchemy import insert

from app.extensions import db
from app.uploads import MB

from ...models import ImportProblem
from .parsing import rome_to_utc

NULL = "\\N"
CHUNK_ROWS = 2_000
TRANSACTION_COLUMNS = ("id", "provider_tx_id", "occurred_at", "occurred_on", "organisation_id", "partita_iva",
                       "amount", "category", "redemption", "is_late", "kind", "refund_of_tx_id", "provider_id",
                       "batch_id")
OUTSIDE_COLUMNS = ("batch_id", "provider_id", "provider_tx_id", "partita_iva", "occurred_on", "amount", "kind")
REFUND_COLUMNS = ("row_no", "tx", "refund_of")
STAGE_COLUMNS = ("row_no", "tx", "occurred_at", "occurred_on", "piva", "org_id", "in_network", "is_late", "amount",
                 "kind", "refund_of", "category", "redemption")
COPY_SPECIAL = re.compile(r"[\\\t\n\r]")
_UNESCAPE = re.compile(r"\\(.)")
_ESCAPES = {"t": "\t", "n": "\n", "r": "\r"}


def copy_text(value: str) -> str:
    """A value as COPY's text format writes it (backslash, tab and line breaks escaped)."""
    if COPY_SPECIAL.search(value) is None:
        return value
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


class Redo(Exception):  # noqa: N818 - an instruction, not an error
    """The direct way cannot finish this file exactly (a bad row in a file to reject whole, an id seen twice
    or imported before): roll back to the savepoint and import it through the staging table."""


class Outcome:
    """What reading saw: rows read and bad; rows loaded directly (how many, how many late, the range of their
    ids) and set aside outside the network."""

    def __init__(self):
        self.total = self.bad = self.direct = self.direct_late = self.outside = 0
        self.lowest_tx: str | None = None
        self.highest_tx: str | None = None


def _copy_in(connection, table: str, columns: tuple[str, ...]):
    cursor = connection.connection.dbapi_connection.cursor()
    return cursor, cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN")


class Spool:
    """COPY lines kept in a temporary file (in memory up to 8 MB) until the connection is free to take them."""

    def __init__(self):
        self.rows = 0
        self._file = tempfile.SpooledTemporaryFile(max_size=8 * MB, mode="w+", encoding="utf-8")  # noqa: SIM115

    def add(self, line: str) -> None:
        self._file.write(line)
        self.rows += 1

    def copy_into(self, connection, table: str, columns: tuple[str, ...]) -> None:
        self._file.seek(0)
        cursor, copy_cm = _copy_in(connection, table, columns)
        try:
            with copy_cm as copy:
                while block := self._file.read(MB):
                    copy.write(block)
        finally:
            cursor.close()
            self._file.close()

    def lines(self):
        self._file.seek(0)
        yield from self._file
        self._file.close()


class DirectLoad:
    """PostgreSQL: the transactions by ``COPY`` while the file is read (open as a context), then the rows set
    aside outside the network into their table, and the purchases that refunds name into a temporary table
    for :func:`.checks.check_direct`."""

    def __init__(self, connection, provider_id: int, batch_id: int):
        self.connection, self.batch_id = connection, batch_id
        self.purchase_suffix = f"\tpurchase\t{NULL}\t{provider_id}\t{batch_id}\n"  # the row's last columns
        self.refund_suffix = f"\t{provider_id}\t{batch_id}\n"  # after "\trefund\t<purchase id>"
        self.outside_prefix = f"{batch_id}\t{provider_id}\t"
        self.outside, self.refunds = Spool(), Spool()
        self.refunds_table = f"sn_refunds_{batch_id}"
        self._buffer: list[str] = []
        self._cursor = self._copy_cm = self._copy = None

    def __enter__(self):
        self._cursor, self._copy_cm = _copy_in(self.connection, "shop_network_transactions", TRANSACTION_COLUMNS)
        self._copy = self._copy_cm.__enter__()
        return self

    def add(self, line: str) -> None:
        self._buffer.append(line)
        if len(self._buffer) >= CHUNK_ROWS:
            self._copy.write("".join(self._buffer))
            self._buffer.clear()

    def add_block(self, lines: str) -> None:
        """Many lines at once (they follow the ones added before)."""
        self._buffer.append(lines)
        self._copy.write("".join(self._buffer))
        self._buffer.clear()

    def __exit__(self, exc_type, exc, tb):
        try:
            if exc_type is None and self._buffer:
                self._copy.write("".join(self._buffer))
            self._buffer.clear()
            self._copy_cm.__exit__(exc_type, exc, tb)
        finally:
            self._cursor.close()
        return False

    def load_spools(self) -> None:
        self.outside.copy_into(self.connection, "shop_network_outside_rows", OUTSIDE_COLUMNS)
        self.connection.exec_driver_sql(f'CREATE TEMP TABLE {self.refunds_table} (row_no integer, tx text, '
                                        'refund_of text COLLATE "C") ON COMMIT DROP')
        self.refunds.copy_into(self.connection, self.refunds_table, REFUND_COLUMNS)


class Stage:
    """Every row, for the set-based checks: spooled while the file is read, then loaded into a temporary table
    (``COPY`` on PostgreSQL, ``executemany`` on SQLite, which is there for correctness, not speed)."""

    def __init__(self, connection, batch_id: int):
        self.connection = connection
        self.postgres = connection.dialect.name == "postgresql"
        self.name, self.skip = f"sn_stage_{batch_id}", f"sn_skip_{batch_id}"
        self._spool = Spool()

    @property
    def rows(self) -> int:
        return self._spool.rows

    def add(self, line: str) -> None:
        self._spool.add(line)

    def load(self) -> None:
        """Create the staging and skip tables and load the spooled rows."""
        self._create()
        if self.postgres:
            self._spool.copy_into(self.connection, self.name, STAGE_COLUMNS)
            self.connection.exec_driver_sql(f"ANALYZE {self.name}")
        else:
            self._insert_rows()

    def _create(self) -> None:
        c_text = ' COLLATE "C"' if self.postgres else ""
        stamp = "timestamptz" if self.postgres else "text"
        if not self.postgres:
            self.drop()
        suffix = " ON COMMIT DROP" if self.postgres else ""
        self.connection.exec_driver_sql(
            f"CREATE TEMP TABLE {self.name} (row_no integer, tx text{c_text}, occurred_at {stamp}, "
            "occurred_on date, piva text, org_id integer, in_network boolean, is_late boolean, amount bigint, "
            f"kind text, refund_of text{c_text}, category text, redemption text){suffix}")
        self.connection.exec_driver_sql(
            f"CREATE TEMP TABLE {self.skip} (row_no integer PRIMARY KEY, reason text, code text, col text, "
            f"value text, tx text){suffix}")

    def _insert_rows(self) -> None:
        marks = ", ".join("?" for _column in STAGE_COLUMNS)
        cursor = self.connection.connection.dbapi_connection.cursor()
        chunk = []
        for line in self._spool.lines():
            chunk.append(_sqlite_row(line))
            if len(chunk) >= CHUNK_ROWS:
                cursor.executemany(f"INSERT INTO {self.name} VALUES ({marks})", chunk)  # noqa: S608 - our table
                chunk.clear()
        if chunk:
            cursor.executemany(f"INSERT INTO {self.name} VALUES ({marks})", chunk)  # noqa: S608 - our table

    def drop(self) -> None:
        if not self.postgres:  # PostgreSQL drops them at commit
            for table in (self.name, self.skip):
                self.connection.exec_driver_sql(f"DROP TABLE IF EXISTS temp.{table}")


def _sqlite_row(line: str) -> tuple:
    """A staged COPY line as SQLite values: NULLs, unescaped text, booleans, and the instant as UTC text (the
    way SQLAlchemy stores a DateTime there)."""
    values = [None if cell == NULL else _UNESCAPE.sub(lambda m: _ESCAPES.get(m[1], m[1]), cell)
              for cell in line[:-1].split("\t")]
    values[2] = rome_to_utc(values[2]).astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    values[6], values[7] = values[6] == "t", values[7] == "t"
    return tuple(values)


class Problems:
    """Bad rows found while reading, spooled to a temporary file (the connection may be busy with a COPY, and
    memory must stay flat even if every row is bad), then inserted in chunks."""

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
