"""Test harness: one app per session on a migrated database; each test cleans what it wrote.

Runs on PostgreSQL and Redis when DATABASE_URL / REDIS_URL point at them (CI always), on a
temporary SQLite file and in-process jobs otherwise. With REQUIRE_SERVICES=1 a missing service
fails the tests that need it instead of skipping them.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import pytest
from flask.globals import _cv_app
from flask.testing import FlaskClient
from sqlalchemy import inspect as sa_inspect
from sqlalchemy import text

from app import create_app
from app.extensions import db, limiter
from config import TestingConfig
from scripts.i18n import compile_stale

ROOT = Path(__file__).resolve().parent.parent
FIXTURE_MODULES = ROOT / "tests" / "fixture_modules"
REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"
sys.path.insert(0, str(FIXTURE_MODULES))  # the test module `memo` imports as a top-level package
KEEP_TABLES = {"alembic_version", "base_roles", "base_model_access", "base_role_permissions", "base_modules"}


def _database_url() -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        return url.replace("postgresql://", "postgresql+psycopg://", 1) if url.startswith("postgresql://") else url
    if REQUIRE_SERVICES:
        raise RuntimeError("REQUIRE_SERVICES=1 but DATABASE_URL is not set")
    # conftest is imported twice (by pytest and as tests.conftest): both must name the same file.
    if "DISTRETTO_TEST_SQLITE" not in os.environ:
        os.environ["DISTRETTO_TEST_SQLITE"] = f"{tempfile.mkdtemp(prefix='distretto-test-')}/test.db"
    return f"sqlite:///{os.environ['DISTRETTO_TEST_SQLITE']}"


DATABASE_URL = _database_url()
IS_POSTGRES = DATABASE_URL.startswith("postgresql")
REDIS_URL = os.environ.get("REDIS_URL") or None


def _upload_folder() -> str:
    """Uploaded files of the tests go to a temporary folder, never to instance/uploads."""
    if "DISTRETTO_TEST_UPLOADS" not in os.environ:
        os.environ["DISTRETTO_TEST_UPLOADS"] = tempfile.mkdtemp(prefix="distretto-uploads-")
    return os.environ["DISTRETTO_TEST_UPLOADS"]


def make_test_config(**overrides) -> dict:
    config = {
        key: getattr(TestingConfig, key) for key in dir(TestingConfig) if key.isupper()
    }
    config.update(
        SQLALCHEMY_DATABASE_URI=DATABASE_URL,
        DISTRETTO_MODULES=config_module_selection(),
        DISTRETTO_MODULES_PATH=[str(FIXTURE_MODULES)],
        DISTRETTO_CHECK_MODULES=False,
        REDIS_URL=None,
        UPLOAD_FOLDER=_upload_folder(),
    )
    config.update(overrides)
    return config


def config_module_selection() -> list[str] | None:
    """All modules by default; DISTRETTO_MODULES=memo,partners narrows a local run."""
    raw = os.environ.get("DISTRETTO_MODULES", "").strip()
    return [name.strip() for name in raw.split(",") if name.strip()] if raw else None


def _reset_schema() -> None:
    if IS_POSTGRES:
        with db.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    else:
        db.drop_all()
        with db.engine.begin() as conn:
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))


class IsolatedClient(FlaskClient):
    """Each request gets its own app context, as in production, even inside a test's `ctx`.

    Flask reuses an already pushed app context for a request; `g` (CSRF token, access cache) and
    the database session would then leak from the test into the request and between requests.
    """

    def open(self, *args, **kwargs):
        kwargs["buffered"] = True  # streamed bodies (exports) must run inside the request's own context
        token = _cv_app.set(None)
        try:
            return super().open(*args, **kwargs)
        finally:
            _cv_app.reset(token)


@pytest.fixture(scope="session")
def app():
    compile_stale()  # .mo files are build products (git-ignored): a bare `pytest` must not test stale ones
    application = create_app(make_test_config())
    application.test_client_class = IsolatedClient
    with application.app_context():
        from app.installer import init_all

        _reset_schema()
        init_all()
        db.session.remove()
    yield application


def _reference_tables() -> set[str]:
    tables = set(KEEP_TABLES)
    for mapper in db.Model.registry.mappers:
        if getattr(mapper.class_, "__reference_data__", False):
            tables.add(mapper.local_table.name)
    return tables


_EXISTING: set[str] = set()


def _tables_to_empty() -> list[str]:
    """Tables the tests write to: those migrated in this database (modules may be deselected), less
    reference data, read once per session."""
    if not _EXISTING:
        _EXISTING.update(sa_inspect(db.engine).get_table_names())
    keep = _reference_tables()
    return [t.name for t in reversed(db.metadata.sorted_tables) if t.name in _EXISTING and t.name not in keep]


def _end_leaked_transactions(conn) -> None:
    """A connection a test left idle inside a transaction (a thread that never closed its session)
    would block the TRUNCATE below forever: end it, and say so."""
    leaked = conn.execute(text(
        "SELECT pid, left(query, 120) FROM pg_stat_activity WHERE datname = current_database() "
        "AND pid <> pg_backend_pid() AND state = 'idle in transaction'")).all()
    for pid, query in leaked:
        conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        print(f"conftest: ended a transaction a test left open: {query!r}")


def _with_id_sequence(names: list[str]) -> set[str]:
    return {t.name for t in db.metadata.sorted_tables if t.name in names and "id" in t.c and t.c.id.autoincrement}


def _empty_postgres(conn, names: list[str]) -> None:
    """Empty the tables a test wrote to. A TRUNCATE of every table costs ~0.3 s a test (new files for each
    table and index); most tests touch a few tables, so find those in one query and DELETE their rows with the
    triggers off (foreign keys, append-only guards), then restart their ids. Without the superuser right that
    needs, TRUNCATE them all."""
    if not conn.execute(text("SELECT current_setting('is_superuser') = 'on'")).scalar():
        conn.execute(text(f"TRUNCATE {', '.join(names)} RESTART IDENTITY CASCADE"))
        return
    probe = " UNION ALL ".join(f"SELECT '{name}' WHERE EXISTS (SELECT 1 FROM {name})" for name in names)
    dirty = [row[0] for row in conn.execute(text(probe))]
    if not dirty:
        return
    conn.execute(text("SET LOCAL session_replication_role = replica"))
    for name in dirty:
        conn.execute(text(f"DELETE FROM {name}"))
    sequences = [f"setval(pg_get_serial_sequence('{name}', 'id'), 1, false)"
                 for name in dirty if name in _with_id_sequence(names)]
    if sequences:
        conn.execute(text(f"SELECT {', '.join(sequences)}"))


def _clean(app) -> None:
    with app.app_context():
        db.session.remove()
        names = _tables_to_empty()
        with db.engine.begin() as conn:
            if IS_POSTGRES:
                _end_leaked_transactions(conn)
                conn.execute(text("SET LOCAL lock_timeout = '20s'"))  # fail, never hang the suite
                _empty_postgres(conn, names)
            else:
                for name in names:
                    conn.execute(text(f"DELETE FROM {name}"))
        app.extensions["distretto"].outbox.clear()


@pytest.fixture(autouse=True)
def _isolated(request):
    """Every test starts from reference data only; the rate limiter forgets earlier tests."""
    if "app" not in request.fixturenames:
        yield
        return
    app = request.getfixturevalue("app")
    with app.app_context():
        limiter.reset()
    yield
    _clean(app)


@pytest.fixture
def outbox(app, monkeypatch):
    """The e-mails the code under test sends, kept here instead of delivered."""
    sent = []
    monkeypatch.setattr("app.notify._deliver", sent.append)
    return sent


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield
        db.session.remove()


@pytest.fixture
def client(app):
    return app.test_client()


def require_postgres():
    if not IS_POSTGRES:
        if REQUIRE_SERVICES:
            pytest.fail("REQUIRE_SERVICES=1: this test needs PostgreSQL (set DATABASE_URL)")
        pytest.skip("needs PostgreSQL: set DATABASE_URL=postgresql://…")


def require_redis() -> str:
    if not REDIS_URL:
        if REQUIRE_SERVICES:
            pytest.fail("REQUIRE_SERVICES=1: this test needs Redis (set REDIS_URL)")
        pytest.skip("needs Redis: set REDIS_URL=redis://…")
    return REDIS_URL


def pytest_collection_modifyitems(config, items):
    """Browser tests run last: Playwright's sync API keeps an asyncio loop running in the main thread
    until the session ends, and code that calls asyncio.run() (pyHanko) must not run after it starts."""
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)
