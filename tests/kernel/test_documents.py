"""Documents: PDFs from templates (Italian, page numbers, local files only) and the export formats."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import socket
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import jinja2
import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from app.documents import export_rows, iter_csv, local_only_fetcher, pdf_sha256, render_pdf, send_export
from tests.factories import login, make_user

ROOT = Path(__file__).resolve().parents[2]
TITILLIUM = ROOT / "app/static/vendor/bootstrap-italia/fonts/Titillium_Web"

TEMPLATES = {
    "test_documents/two_pages.html": """{% extends "documents/base.html" %}
{% block title %}Accordo territoriale{% endblock %}
{% block content %}
<h1>Accordo territoriale welfare aziendale</h1>
<p>Le parti firmatarie si impegnano a promuovere il welfare aziendale nel territorio del distretto.</p>
<p class="page-break">Allegato: elenco delle organizzazioni aderenti.</p>
{% endblock %}""",
    "test_documents/remote.html": """{% extends "documents/base.html" %}
{% block styles %}<link rel="stylesheet" href="{{ url }}/style.css">{% endblock %}
{% block content %}<p>Logo remoto</p><img src="{{ url }}/logo.png" alt="">{% endblock %}""",
}


@pytest.fixture
def documents(app, ctx, monkeypatch):
    loader = jinja2.ChoiceLoader([app.jinja_loader, jinja2.DictLoader(TEMPLATES)])
    monkeypatch.setattr(app, "jinja_loader", loader)


def _pages_text(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


# PDF -------------------------------------------------------------------------------------------------
def test_two_page_document_is_a_pdf_numbered_in_italian(documents):
    pdf = render_pdf("test_documents/two_pages.html", footer_text="Versione 3")

    assert pdf.startswith(b"%PDF-")
    pages = _pages_text(pdf)
    assert len(pages) == 2
    assert "Accordo territoriale welfare aziendale" in pages[0]
    assert "Pagina 1 di 2" in pages[0]
    assert "Pagina 2 di 2" in pages[1]
    assert all("Versione 3" in page for page in pages)


def test_document_in_english_numbers_its_pages_in_english(documents):
    pages = _pages_text(render_pdf("test_documents/two_pages.html", lang="en"))

    assert "Page 1 of 2" in pages[0]


def test_document_header_shows_the_district_name_from_settings(documents):
    from app.settings import set_setting

    set_setting("base.district_name", "Distretto Welfare Oristano")

    assert "Distretto Welfare Oristano" in _pages_text(render_pdf("test_documents/two_pages.html"))[0]


def test_rendering_never_reaches_the_network(documents):
    listener = socket.create_server(("127.0.0.1", 0))
    listener.setblocking(False)
    url = f"http://127.0.0.1:{listener.getsockname()[1]}"
    try:
        pdf = render_pdf("test_documents/remote.html", url=url)
        with pytest.raises(BlockingIOError):
            listener.accept()  # nobody connected: neither the image nor the stylesheet was fetched
    finally:
        listener.close()
    assert "Logo remoto" in _pages_text(pdf)[0]


def test_fetcher_refuses_files_outside_the_project():
    fetcher = local_only_fetcher()

    with pytest.raises(ValueError, match="files of the project only"):
        fetcher.fetch("file:///etc/passwd")
    with pytest.raises(ValueError, match="local files only"):
        fetcher.fetch("https://example.org/logo.png")


def test_fetcher_reads_the_documents_stylesheet():
    response = local_only_fetcher().fetch((ROOT / "app/static/css/documents.css").as_uri())

    assert b"@page" in response.read()


@pytest.mark.skipif(not TITILLIUM.exists(), reason="Bootstrap Italia assets not built: run `make assets`")
def test_document_uses_titillium_web(documents):
    reader = PdfReader(io.BytesIO(render_pdf("test_documents/two_pages.html")))
    fonts = {str(font.get_object()["/BaseFont"]) for font in reader.pages[0]["/Resources"]["/Font"].values()}

    assert any("Titillium" in name for name in fonts), fonts


def test_pdf_sha256_is_the_hash_of_the_bytes():
    assert pdf_sha256(b"%PDF-1.7 test") == hashlib.sha256(b"%PDF-1.7 test").hexdigest()


# Exports ---------------------------------------------------------------------------------------------
COLUMNS = [("shop", "Negozio"), ("owed", "Dovuto"), ("month", "Mese")]
ROWS = [
    {"shop": "Sa Butega", "owed": Decimal("1234.56"), "month": date(2026, 3, 28)},
    {"shop": 'Bar "Su Nuraghe", Oristano', "owed": Decimal("-33.00"), "month": None},
]


def test_csv_is_rfc_4180_with_keys_and_decimal_points():
    data, mimetype, extension = export_rows(ROWS, COLUMNS, "csv")

    assert data == (
        b"shop,owed,month\r\n"
        b"Sa Butega,1234.56,2026-03-28\r\n"
        b'"Bar ""Su Nuraghe"", Oristano",-33.00,\r\n'
    )
    assert (mimetype, extension) == ("text/csv; charset=utf-8", "csv")


def test_italian_csv_has_bom_semicolons_decimal_commas_and_italian_dates():
    data, _mimetype, extension = export_rows(ROWS, COLUMNS, "csv-it")

    assert data == (
        "\ufeffNegozio;Dovuto;Mese\r\n"
        "Sa Butega;1234,56;28/03/2026\r\n"
        '"Bar ""Su Nuraghe"", Oristano";-33,00;\r\n'
    ).encode()
    assert extension == "csv"


def test_italian_csv_shows_timestamps_in_rome_time():
    rows = [{"at": datetime(2026, 3, 28, 13, 5, tzinfo=UTC)}]

    assert export_rows(rows, [("at", "Quando")], "csv-it")[0].endswith(b"28/03/2026 14:05\r\n")
    assert export_rows(rows, [("at", "Quando")], "csv")[0].endswith(b"2026-03-28T13:05:00+00:00\r\n")


def test_italian_csv_defuses_formulas():
    rows = [{"shop": "=1+1"}, {"shop": "@SUM(A1)"}]
    data, _mimetype, _extension = export_rows(rows, [("shop", "Negozio")], "csv-it")

    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert rows[1:] == [["'=1+1"], ["'@SUM(A1)"]]


def test_xlsx_keeps_amounts_as_numbers_and_dates_as_dates():
    data, mimetype, extension = export_rows(ROWS + [{"shop": "=1+1"}], COLUMNS, "xlsx")

    sheet = load_workbook(io.BytesIO(data)).active
    assert [cell.value for cell in sheet[1]] == ["Negozio", "Dovuto", "Mese"]
    assert sheet["B2"].value == pytest.approx(1234.56)
    assert sheet["B2"].data_type == "n"
    assert sheet["B2"].number_format == "#,##0.00"
    assert sheet["C2"].value == datetime(2026, 3, 28)
    assert sheet["A4"].value == "=1+1"
    assert sheet["A4"].data_type == "s"  # text, never a formula
    assert extension == "xlsx"
    assert mimetype.startswith("application/vnd.openxmlformats")


def test_json_keeps_amounts_as_exact_strings():
    data, mimetype, _extension = export_rows(ROWS, COLUMNS, "json")

    assert json.loads(data) == [
        {"shop": "Sa Butega", "owed": "1234.56", "month": "2026-03-28"},
        {"shop": 'Bar "Su Nuraghe", Oristano', "owed": "-33.00", "month": None},
    ]
    assert mimetype == "application/json"


def test_unknown_format_is_refused():
    with pytest.raises(ValueError, match="unknown export format"):
        export_rows(ROWS, COLUMNS, "ods")


def test_csv_streams_in_chunks():
    rows = [{"shop": f"Negozio {n}", "owed": Decimal("1.00"), "month": None} for n in range(1201)]

    chunks = list(iter_csv(rows, COLUMNS))

    assert len(chunks) == 4  # the header, then 500 + 500 + 201 rows
    assert b"".join(chunks) == export_rows(rows, COLUMNS, "csv")[0]


def test_send_export_is_an_attachment_with_a_safe_filename(app):
    with app.test_request_context():
        response = send_export(iter(ROWS), COLUMNS, "csv-it", "../Trasparenza 2026/03")
        body = response.get_data()

    assert response.headers["Content-Disposition"] == "attachment; filename=Trasparenza_2026_03.csv"
    assert response.mimetype == "text/csv"
    assert body.startswith("\ufeffNegozio;".encode())


# Admin exports ---------------------------------------------------------------------------------------
def _coordinator_with_a_memo(app, client, amount: Decimal) -> None:
    """Data made in its own app context: a streamed export must not run inside the test's context."""
    from memo.models import Memo  # the test module, on sys.path through tests/conftest.py
    from tests.factories import factories

    with app.app_context():
        factories()[Memo](title="Promemoria", amount=amount)
        user = SimpleNamespace(email=make_user("coordinator").email)
    login(client, user)


def test_admin_exports_italian_csv_with_exact_amounts(app, client):
    _coordinator_with_a_memo(app, client, Decimal("1234.56"))

    response = client.get("/admin/memo_memo/export/csv-it/")

    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    header, row = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))[:2]
    assert "1234,56" in row
    assert len(header) == 4  # title, organisation, amount, state: the listed columns only


def test_admin_xlsx_export_keeps_amounts_as_numbers(app, client):
    _coordinator_with_a_memo(app, client, Decimal("1234.56"))

    response = client.get("/admin/memo_memo/export/xlsx/")

    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    assert 1234.56 in [cell.value for cell in sheet[2]]


def test_shop_exports_only_its_own_rows(app, client):
    from memo.models import Memo
    from tests.factories import OrganisationFactory, factories

    with app.app_context():
        shop = make_user("shop")
        factories()[Memo](title="Nostro", organisation=shop.organisation)
        factories()[Memo](title="Altrui", organisation=OrganisationFactory())
        user = SimpleNamespace(email=shop.email)
    login(client, user)

    for fmt in ("csv-it", "xlsx"):
        response = client.get(f"/admin/memo_memo/export/{fmt}/")
        assert response.status_code == 200
        text = response.data.decode("utf-8-sig") if fmt == "csv-it" else _xlsx_text(response.data)
        assert "Nostro" in text
        assert "Altrui" not in text


def _xlsx_text(data: bytes) -> str:
    sheet = load_workbook(io.BytesIO(data)).active
    return " ".join(str(cell.value) for row in sheet.iter_rows() for cell in row)
