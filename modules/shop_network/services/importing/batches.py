"""Import batches: starting one (upload, command line, API), running it as a job, its summary and report."""

from __future__ import annotations

import gc
import hashlib
import io
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import psycopg
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select

from app.dates import TIMEZONE
from app.extensions import db
from app.uploads import MB, Upload, attach, register_owner, register_use, save_upload

from ...models import ImportBatch, ImportProblem
from .checks import Checks, check_direct, check_direct_before_set_aside, lock_provider
from .fields import mapping_for, message_for
from .loading import DirectLoad, Problems, Redo, Stage
from .network import NetworkSnapshot
from .reading import read_rows
from .sources import CsvSource, JsonSource, Source
from .timing import log, timed

USE = "shop_network.transactions"
API_USE = "shop_network.api_batches"
JOB = "shop_network.import_transactions"
PERMISSION = "shop_network.import"
MAX_FILE_BYTES = 200 * MB
MAX_API_ROWS = 10_000
FINAL_STATUSES = ("imported", "rejected")

register_use(USE, {"csv", "txt"}, max_bytes=MAX_FILE_BYTES)
register_use(API_USE, {"txt"}, max_bytes=20 * MB)
register_owner(ImportBatch)


class ImportRefused(ValueError):
    """The import cannot start (wrong provider, nothing to import); the message is translated."""


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


# Running one ------------------------------------------------------------------------------------------
def import_file(batch_id: int, progress: Callable[[int, int], None] | None = None) -> ImportBatch:
    """Check and import one batch (file or API payload); commits. A finished batch is not run again.

    On PostgreSQL the in-network purchases go straight into the transactions table while the file is read
    (a savepoint keeps the way back); when that cannot finish the job exactly (a bad row in a file that must
    be rejected whole, an id seen twice or imported before), the import is redone through the staging table,
    which sees every row. SQLite always stages."""
    batch = db.session.get(ImportBatch, batch_id)
    if batch is None or batch.status in FINAL_STATUSES:
        return batch
    progress = progress or (lambda done, total: None)
    db.session.execute(delete(ImportProblem).where(ImportProblem.batch_id == batch.id))  # an earlier attempt
    batch.status, batch.error = "running", None
    db.session.commit()
    try:
        with _without_cycle_collection():
            _run(batch, progress)
    except Exception as exc:
        db.session.rollback()
        batch = db.session.get(ImportBatch, batch_id)
        batch.status, batch.error, batch.finished_at = "failed", f"{type(exc).__name__}: {exc}"[:2000], _now()
        db.session.commit()
        raise
    progress(100, 100)
    return db.session.get(ImportBatch, batch_id)


@contextmanager
def _without_cycle_collection():
    """An import makes millions of short-lived objects and no cycles: the cycle collector would only keep
    rescanning the memos (up to a tenth of the time of a big import)."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def _run(batch: ImportBatch, progress) -> None:
    connection = db.session.connection()
    lock_provider(connection, batch.provider_id)
    with timed("network snapshot"):
        network = NetworkSnapshot(connection)
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"SET LOCAL TimeZone = '{TIMEZONE}'")  # wall-clock stamps are Rome's
        connection.exec_driver_sql("SET LOCAL jit = off")  # compiling costs more than these short queries gain
        savepoint = db.session.begin_nested()
        try:
            _attempt(batch, network, progress, direct=True)
            savepoint.commit()
            with timed("commit"):
                db.session.commit()
            return
        except (Redo, psycopg.errors.UniqueViolation) as exc:
            savepoint.rollback()
            log.info("batch %s goes through the staging table: %s", batch.id, str(exc).splitlines()[0])
    _attempt(batch, network, progress, direct=False)
    db.session.commit()  # PostgreSQL drops the temporary tables here


def _attempt(batch: ImportBatch, network: NetworkSnapshot, progress, *, direct: bool) -> None:
    with timed("open and scan the file"):
        source = _open_source(batch)
    try:
        if source.file_problems:
            problems = Problems(batch.id, source.headers)
            problems.add(1, None, [(field, code, "") for field, code in source.file_problems])
            problems.flush()
            _finish(batch, total=0, bad=1, reject=True)
            return
        _load(batch, source, network, progress, direct=direct)
    finally:
        source.close()


def _load(batch: ImportBatch, source: Source, network: NetworkSnapshot, progress, *, direct: bool) -> None:
    connection = db.session.connection()
    problems = Problems(batch.id, source.headers)
    if direct:
        _load_direct(batch, source, network, problems, progress, connection)
    else:
        _load_staged(batch, source, network, problems, progress, connection)


def _load_direct(batch: ImportBatch, source: Source, network: NetworkSnapshot, problems: Problems, progress,
                 connection) -> None:
    """Rows straight into their tables; :class:`Redo` when the file needs the staging table after all."""
    load = DirectLoad(connection, batch.provider_id, batch.id)
    with timed("read every row (the transactions loaded meanwhile)"), load:
        outcome = read_rows(source, network, batch_id=batch.id, problems=problems, progress=progress, direct=load,
                            stop_at_bad=not batch.keep_good_rows)
    log.debug("%d rows: %d direct, %d outside the network, %d bad", outcome.total, outcome.direct,
              outcome.outside, outcome.bad)
    check_direct_before_set_aside(connection, batch, outcome)
    with timed("load the rows outside the network and the refunds' purchase ids"):
        load.load_spools()
    progress(85, 100)
    check_direct(connection, batch, load.refunds_table)
    with timed("write the report"):
        problems.flush()
    _finish(batch, total=outcome.total, bad=outcome.bad, reject=False, imported=outcome.direct,
            late=outcome.direct_late, outside=outcome.outside)


def _load_staged(batch: ImportBatch, source: Source, network: NetworkSnapshot, problems: Problems, progress,
                 connection) -> None:
    """Every row staged, checked set-based, then written (SQLite, or what the direct way could not finish)."""
    stage = Stage(connection, batch.id)
    with timed("read every row into the staging table"):
        outcome = read_rows(source, network, batch_id=batch.id, problems=problems, progress=progress, stage=stage)
        stage.load()
    checks = Checks(connection, stage, batch, source.headers)
    problems.flush()
    progress(80, 100)
    bad = outcome.bad + checks.find_bad_rows()
    progress(88, 100)
    if bad and not batch.keep_good_rows:
        _finish(batch, total=outcome.total, bad=bad, reject=True)
        return
    outside, imported, late = checks.write()
    stage.drop()
    _finish(batch, total=outcome.total, bad=bad, reject=False, imported=imported, late=late, outside=outside,
            duplicate=outcome.total - bad - imported - outside)


def _finish(batch: ImportBatch, *, total: int, bad: int, reject: bool, imported: int = 0, late: int = 0,
            outside: int = 0, duplicate: int = 0) -> None:
    batch.status = "rejected" if reject else "imported"
    batch.rows_total, batch.rows_bad = total, bad
    batch.rows_imported, batch.rows_late = imported, late
    batch.rows_outside, batch.rows_duplicate = outside, duplicate
    batch.finished_at = _now()


def _open_source(batch: ImportBatch) -> Source:
    upload = db.session.get(Upload, batch.upload_id) if batch.upload_id else None
    if upload is None:
        raise ImportRefused(_("The batch has no file to import."))
    if batch.source == "api":
        return JsonSource(upload)
    return CsvSource(upload, mapping_for(batch.provider_id))


def _now() -> datetime:
    return datetime.now(UTC)


def summary(batch: ImportBatch) -> dict:
    return {"batch": batch.id, "status": batch.status, "rows": batch.rows_total, "imported": batch.rows_imported,
            "duplicates": batch.rows_duplicate, "outside_network": batch.rows_outside, "bad": batch.rows_bad,
            "late": batch.rows_late}


# The report ------------------------------------------------------------------------------------------
REPORT_COLUMNS = [("row", _l("Row")), ("provider_tx_id", _l("Transaction id")), ("column", _l("Column")),
                  ("code", _l("Code")), ("message", _l("Problem")), ("value", _l("Value"))]


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


# API batches -------------------------------------------------------------------------------------------
def api_payload_upload(body: bytes, user) -> Upload:
    """Keep the API request's body as the batch's file (what was sent, for the record)."""
    return save_upload(API_USE, io.BytesIO(body), filename="api-batch.json", user=user)


def canonical_sha256(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()
