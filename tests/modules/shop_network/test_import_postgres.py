"""The import on PostgreSQL for real: two imports of the same file at once, and a real RQ worker."""

from __future__ import annotations

import io
import threading
import uuid
from datetime import date

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.jobs import Job
from app.uploads import save_upload
from modules.shop_network.models import ImportBatch, OutsideRow, Transaction
from modules.shop_network.services import importing
from tests.conftest import REDIS_URL, require_postgres, require_redis
from tests.kernel.test_jobs import _another_app, _delete_queue, real_worker
from tests.modules.shop_network.import_helpers import IT_HEADER, csv_bytes, import_bytes, network_shop, provider_org


def _file(piva: str, outside_piva: str, rows: int = 300) -> bytes:
    lines = [[f"C-{n}", "10/03/2026 12:00", piva, f"{n},50", "acquisto", "", "", ""] for n in range(1, rows + 1)]
    lines.append(["C-OUT", "10/03/2026", outside_piva, "1,00", "", "", "", ""])
    lines.append(["C-R", "11/03/2026", piva, "1,00", "rimborso", "C-1", "", ""])
    return csv_bytes(IT_HEADER, lines)


def test_two_imports_of_the_same_file_at_once_create_no_duplicates(app):
    require_postgres()
    with app.app_context():
        shop, provider, stranger = network_shop(), provider_org(), provider_org(type="shop")
        data = _file(shop.partita_iva, stranger.partita_iva)
        provider_id = provider.id
    barrier, results, errors = threading.Barrier(2), [], []

    def run():
        try:
            with app.app_context():
                upload = save_upload(importing.USE, io.BytesIO(data), filename="same.csv")
                batch = importing.create_batch(provider_id, source="upload", upload=upload, keep_good_rows=False)
                db.session.commit()
                batch_id = batch.id
                barrier.wait(timeout=30)
                done = importing.import_file(batch_id)
                results.append((done.status, done.rows_imported, done.rows_outside, done.rows_duplicate))
                db.session.remove()
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    assert sorted(results) == [("imported", 0, 0, 302), ("imported", 301, 1, 0)]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Transaction)) == 301
        assert db.session.scalar(select(func.count()).select_from(OutsideRow)) == 1
        refund = db.session.scalar(select(Transaction).where(Transaction.provider_tx_id == "C-R"))
        assert refund.refund_of_tx_id is not None


@pytest.fixture(scope="module")
def rq_app(app):
    require_redis()
    require_postgres()
    application = _another_app(app, REDIS_URL=REDIS_URL, JOB_QUEUE=f"distretto-test-{uuid.uuid4().hex[:12]}",
                               JOB_RETRY_INTERVALS=[1])
    yield application
    with application.app_context():
        _delete_queue()


def test_a_real_rq_worker_imports_an_uploaded_file(rq_app, monkeypatch):
    from tests.factories import make_user

    monkeypatch.setenv("UPLOAD_FOLDER", rq_app.config["UPLOAD_FOLDER"])  # the worker reads the file we stored

    with rq_app.app_context():
        shop, provider, stranger = network_shop(), provider_org(), provider_org(type="shop")
        user = make_user("provider", organisation=provider)
        batch = importing.start_import(io.BytesIO(_file(shop.partita_iva, stranger.partita_iva)), provider.id,
                                       False, user, filename="worker.csv")
        batch_id, job_id = batch.id, batch.job_id
        assert batch.status == "queued"
        db.session.remove()
    with real_worker(rq_app):
        pass
    with rq_app.app_context():
        batch = db.session.get(ImportBatch, batch_id)
        job = db.session.get(Job, job_id)
        assert (job.status, job.progress) == ("finished", 100), job.error
        assert (batch.status, batch.rows_imported, batch.rows_outside) == ("imported", 301, 1)
        assert job.result["imported"] == 301


def _mixed_file(shop, late_shop, stranger, prefix: str) -> bytes:
    """Purchases, refunds (of this file's and of an earlier purchase), rows outside the network, a late row, the
    hours that happen twice or never, an id with a backslash and amounts in every shape."""
    rows = [[f"{prefix}{n}", f"{n % 28 + 1:02d}/03/2026 {n % 24:02d}:{n % 60:02d}:07", shop.partita_iva,
             f"{n},{n % 100:02d}", "acquisto", "", ["Alimentari", ""][n % 2], ["buono", "carta", ""][n % 3]]
            for n in range(1, 120)]
    rows += [[f"{prefix}R1", "29/03/2026 02:30", shop.partita_iva, "-1,00", "storno", f"{prefix}5", "", ""],
             [f"{prefix}R2", "25/10/2026 02:30", shop.partita_iva, "2,00", "rimborso", "EARLIER", "", ""],
             [f"{prefix}O1", "10/03/2026", stranger.partita_iva, "1.234,56", "", "", "", ""],
             [f"{prefix}O2", "10/03/2026", stranger.partita_iva, "3", "storno", f"{prefix}7", "", ""],
             [f"{prefix}L1", "31/03/2026", late_shop.partita_iva, "4.5", "", "", "Sport", ""],
             [f"{prefix}L2", "01/04/2026", late_shop.partita_iva, "4.5", "", "", "Sport", ""],
             [f"{prefix}\\X", "2026-03-12T10:00:00Z", shop.partita_iva, "€ 7,25", "", "", "", "pagamento diretto"]]
    return csv_bytes(IT_HEADER, rows)


def _contents(provider_id: int, prefix: str) -> list[tuple]:
    t, x = Transaction, OutsideRow
    rows = db.session.execute(select(
        t.provider_tx_id, t.occurred_at, t.occurred_on, t.organisation_id, t.partita_iva, t.amount, t.kind,
        t.refund_of_tx_id, t.category, t.redemption, t.is_late).where(t.provider_id == provider_id))
    outside = db.session.execute(select(x.provider_tx_id, x.partita_iva, x.occurred_on, x.amount, x.kind)
                                 .where(x.provider_id == provider_id))

    def unprefixed(value):
        return value[len(prefix):] if value and value.startswith(prefix) else value

    transactions = sorted((unprefixed(row[0]), *row[1:7], unprefixed(row[7]), *row[8:]) for row in rows)
    return [*transactions, *sorted((unprefixed(row[0]), *row[1:]) for row in outside)]


def test_the_direct_way_and_the_staging_table_import_the_same_rows(ctx, monkeypatch):
    require_postgres()
    from modules.shop_network.services.importing import batches
    from tests.modules.shop_network.factories import SettlementFactory, TransactionFactory

    shop, late_shop, stranger = network_shop(), network_shop(), provider_org(type="shop")
    SettlementFactory(organisation=late_shop, month=date(2026, 3, 1), state="confirmed")
    direct, staged = provider_org(), provider_org()
    for provider in (direct, staged):
        TransactionFactory(provider=provider, organisation=shop, provider_tx_id="EARLIER")
    staged_calls = []
    original = batches._load_staged
    monkeypatch.setattr(batches, "_load_staged",
                        lambda *args, **kwargs: staged_calls.append(1) or original(*args, **kwargs))

    first = import_bytes(direct, _mixed_file(shop, late_shop, stranger, "A"))
    assert staged_calls == []  # a clean file goes direct

    def refuse(*_args, **_kwargs):
        raise batches.Redo("forced by the test")

    monkeypatch.setattr(batches, "_load_direct", refuse)
    second = import_bytes(staged, _mixed_file(shop, late_shop, stranger, "B"))
    assert staged_calls == [1]
    summary = ("status", "rows_total", "rows_imported", "rows_outside", "rows_duplicate", "rows_bad", "rows_late")
    assert [getattr(first, key) for key in summary] == [getattr(second, key) for key in summary] == [
        "imported", 126, 124, 2, 0, 0, 1]
    assert _contents(direct.id, "A") == _contents(staged.id, "B")
    ids = db.session.scalars(select(Transaction.id).where(Transaction.batch_id == first.id)).all()
    assert min(ids) >> 32 == first.id and {i & 0xFFFFFFFF for i in ids} <= set(range(2, 128))


def test_a_file_sent_again_goes_through_the_staging_table_and_adds_nothing(ctx):
    require_postgres()
    shop, late_shop, stranger, provider = network_shop(), network_shop(), provider_org(type="shop"), provider_org()
    from tests.modules.shop_network.factories import TransactionFactory

    TransactionFactory(provider=provider, organisation=shop, provider_tx_id="EARLIER")
    data = _mixed_file(shop, late_shop, stranger, "A")
    first, again = import_bytes(provider, data), import_bytes(provider, data)
    assert (first.rows_imported, first.rows_outside) == (124, 2)
    assert (again.status, again.rows_imported, again.rows_outside, again.rows_duplicate) == ("imported", 0, 0, 126)
