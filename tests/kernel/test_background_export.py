"""Exports longer than a list's row cap run as a job: every filtered row, the user's own rows only, a file that
only the job's user can download."""

from __future__ import annotations

import io
from types import SimpleNamespace

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from app.admin import current_admin
from app.extensions import db
from app.jobs import Job
from app.notify import Notification
from tests.factories import OrganisationFactory, csrf_token, login, make_user


@pytest.fixture
def small_cap(app, monkeypatch):
    """A row cap of 10 and pages of 7, so 25 rows need the background export and three pages."""
    with app.app_context():
        view = next(v for v in current_admin()._views if v.endpoint == "memo_memo")
    monkeypatch.setattr(view, "export_max_rows", 10)
    monkeypatch.setattr("app.admin.export_job.PAGE_ROWS", 7)
    return view


@pytest.fixture
def shop_with_memos(app, client, small_cap):
    """A shop user with 25 memos of its own (one of them "Speciale") and 5 of another organisation."""
    from memo.models import Memo
    from tests.factories import factories

    with app.app_context():
        shop = make_user("shop")
        for n in range(24):
            factories()[Memo](title=f"Nostro {n:02d}", organisation=shop.organisation)
        factories()[Memo](title="Nostro Speciale", organisation=shop.organisation)
        for n in range(5):
            factories()[Memo](title=f"Altrui {n}", organisation=OrganisationFactory())
        user = SimpleNamespace(email=shop.email, id=shop.id)
    login(client, user)
    return user


def _start(client, fmt: str, query: str = "") -> Job:
    token = csrf_token(client, f"/admin/memo_memo/{query}")
    response = client.post(f"/admin/memo_memo/export-job/{fmt}/{query}", data={"csrf_token": token})
    assert response.status_code == 302
    return db.session.scalars(select(Job).where(Job.name == "base.export").order_by(Job.id.desc())).first()


def test_a_list_longer_than_the_cap_offers_the_background_export(client, shop_with_memos):
    page = client.get("/admin/memo_memo/").get_data(as_text=True)

    assert "Tutte le 25 righe, in background" in page
    assert "/admin/memo_memo/export-job/csv-it/" in page


def test_a_short_list_offers_only_the_direct_export(client, shop_with_memos):
    page = client.get("/admin/memo_memo/?search=Speciale").get_data(as_text=True)

    assert "export-job" not in page


def test_the_background_export_writes_every_own_row_and_nothing_else(app, client, ctx, shop_with_memos):
    job = _start(client, "csv-it")

    assert job.status == "finished", job.error
    assert job.result["rows"] == 25
    download = client.get(job.result["download_url"])
    assert download.status_code == 200
    text = download.data.decode("utf-8-sig")
    assert text.count("Nostro") == 25
    assert "Altrui" not in text
    assert len({line for line in text.splitlines()[1:]}) == 25  # no row twice across the pages


def test_the_background_export_keeps_the_lists_filters(app, client, ctx, shop_with_memos):
    job = _start(client, "xlsx", "?search=Speciale")

    sheet = load_workbook(io.BytesIO(client.get(job.result["download_url"]).data)).active
    titles = [row[0].value for row in sheet.iter_rows(min_row=2)]
    assert titles == ["Nostro Speciale"]


def test_the_user_is_notified_with_the_link(app, client, ctx, shop_with_memos):
    job = _start(client, "csv")

    note = db.session.scalars(select(Notification).where(Notification.user_id == shop_with_memos.id)).one()
    assert note.url == job.result["download_url"]


def test_nobody_else_can_download_the_file(app, client, ctx, shop_with_memos):
    job = _start(client, "csv-it")
    url = job.result["download_url"]
    other_client = app.test_client()
    login(other_client, make_user("admin"))

    assert other_client.get(url).status_code == 404


def test_an_unknown_format_is_not_found(client, shop_with_memos):
    token = csrf_token(client, "/admin/memo_memo/")

    response = client.post("/admin/memo_memo/export-job/json/", data={"csrf_token": token})

    assert response.status_code == 404


def test_the_background_export_needs_the_csrf_token(client, shop_with_memos):
    assert client.post("/admin/memo_memo/export-job/csv/").status_code == 400


def test_a_capped_count_says_more_than_the_cap(app, client, shop_with_memos, monkeypatch):
    monkeypatch.setattr(shop_with_memos_view(app), "count_cap", 20)

    page = client.get("/admin/memo_memo/").get_data(as_text=True)

    assert "Elenco (più di 20)" in page
    assert "Elenco (1)" in client.get("/admin/memo_memo/?search=Speciale").get_data(as_text=True)


def shop_with_memos_view(app):
    with app.app_context():
        return next(v for v in current_admin()._views if v.endpoint == "memo_memo")
