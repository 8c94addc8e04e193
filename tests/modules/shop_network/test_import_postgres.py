"""The import on PostgreSQL for real: two imports of the same file at once, and a real RQ worker."""

from __future__ import annotations

import io
import threading
import uuid

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.jobs import Job
from modules.shop_network.models import ImportBatch, OutsideRow, Transaction
from modules.shop_network.services import importing
from tests.conftest import REDIS_URL, require_postgres, require_redis
from tests.kernel.test_jobs import _another_app, _delete_queue, real_worker
from tests.modules.shop_network.import_helpers import IT_HEADER, csv_bytes, network_shop, provider_org


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
                upload = importing.save_upload(importing.USE, io.BytesIO(data), filename="same.csv")
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
        assert refund.refund_of_id is not None


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
