"""Bulk import from the spreadsheets districts keep: all or nothing unless asked, a row-by-row report,
and re-importing the same file changes nothing."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from app.audit import AuditLog
from app.extensions import db
from app.jobs import Job
from modules.partners.importing import OUTCOME_LABELS
from modules.partners.models import OrganisationImport, PartnerOrganisation
from tests.factories import csrf_token, login, make_user
from tests.modules.partners.helpers import piva, wrong_check_digit

IMPORT = "/admin/partners_import/"
HEADERS = ["ragione_sociale", "tipo", "codice_fiscale", "partita_iva", "pec", "comune", "indirizzo", "cap", "iban",
           "ateco", "rea", "runts_sezione", "runts_numero"]


def good_rows() -> list[list[str]]:
    bakery, shop = piva(), piva()
    return [
        ["Forno Su Pani S.n.c.", "artisan", "", f"IT {bakery[:4]} {bakery[4:]}", "fornosupani@pec.example.it",
         "Cabras", "Via Tharros 1", "09072", "IT30 P010 1517 4000 0000 0012 345", "107110", "OR 123456", "", ""],
        ["Bottega Arborea", "Esercizio commerciale", shop, shop, "", "095006", "Corso Italia 3", "09092", "",
         "47.61.00", "", "", ""],
        ["APS Is Amigus", "aps", "90034120957", "", "isamigus@pec.example.it", "Oristano", "", "", "", "", "",
         "b", "77881"],
    ]


def it(label) -> str:
    from flask import current_app
    from flask_babel import force_locale

    with current_app.test_request_context(), force_locale("it"):
        return str(label)


def csv_bytes(rows, delimiter: str = ",", bom: bool = False, headers=HEADERS) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(headers)
    writer.writerows(rows)
    return (("\ufeff" if bom else "") + buffer.getvalue()).encode("utf-8")


def xlsx_bytes(rows, headers=HEADERS) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(client, content: bytes, name: str = "organizzazioni.csv", keep_valid_rows: bool = False):
    data = {"file": (io.BytesIO(content), name), "csrf_token": csrf_token(client, IMPORT)}
    if keep_valid_rows:
        data["keep_valid_rows"] = "y"
    return client.post(IMPORT, data=data, content_type="multipart/form-data", follow_redirects=True)


def last_import() -> OrganisationImport:
    db.session.expire_all()
    return db.session.scalar(select(OrganisationImport).order_by(OrganisationImport.id.desc()))


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def coordinator(client, ctx):
    login(client, make_user("coordinator"))
    return client


def test_a_good_file_creates_every_organisation_normalised(coordinator):
    page = upload(coordinator, csv_bytes(good_rows())).get_data(as_text=True)
    record = last_import()
    assert (record.status, record.created_count, record.invalid_count) == ("imported", 3, 0)
    assert "Importazione completata." in page
    bakery = db.session.scalar(select(PartnerOrganisation).where(PartnerOrganisation.legal_name.like("Forno%")))
    assert bakery.partita_iva == bakery.codice_fiscale and " " not in bakery.partita_iva
    assert (bakery.type, bakery.comune.name, bakery.iban, bakery.ateco_code, bakery.rea) == \
        ("artisan", "Cabras", "IT30P0101517400000000012345", "10.71.10", "OR-123456")
    aps = db.session.scalar(select(PartnerOrganisation).where(PartnerOrganisation.legal_name == "APS Is Amigus"))
    assert (aps.runts_section, aps.runts_number, aps.partita_iva) == ("b", "77881", None)
    job = db.session.get(Job, record.job_id)
    assert (job.name, job.status, job.progress) == ("partners.import_organisations", "finished", 100)


def test_importing_the_same_file_again_changes_nothing(coordinator):
    content = csv_bytes(good_rows())
    upload(coordinator, content)
    audit_rows = count(AuditLog)
    upload(coordinator, content)
    record = last_import()
    assert (record.created_count, record.updated_count, record.unchanged_count) == (0, 0, 3)
    assert count(PartnerOrganisation) == 3
    assert count(AuditLog) == audit_rows
    assert {row["action"] for row in record.outcomes} == {"unchanged"}


def test_a_changed_row_is_updated_and_the_report_says_which_columns(coordinator):
    rows = good_rows()
    upload(coordinator, csv_bytes(rows))
    rows[1][4] = "bottega.arborea@pec.example.it"
    page = upload(coordinator, csv_bytes(rows)).get_data(as_text=True)
    record = last_import()
    assert (record.created_count, record.updated_count, record.unchanged_count) == (0, 1, 2)
    assert {"row": 3, "action": "updated", "legal_name": "Bottega Arborea", "fields": ["pec"]} in record.outcomes
    assert it(OUTCOME_LABELS["updated"]) in page


def test_a_file_with_one_bad_row_imports_nothing_and_reports_the_row(coordinator):
    rows = good_rows()
    rows[1][2] = rows[1][3] = wrong_check_digit(rows[1][3])
    page = upload(coordinator, csv_bytes(rows)).get_data(as_text=True)
    record = last_import()
    assert (record.status, record.invalid_count, count(PartnerOrganisation)) == ("rejected", 1, 0)
    assert {"row": 3, "field": "partita_iva", "message": "Partita IVA non valida: cifra di controllo errata."} \
        in record.issues
    assert "Non è stato importato nulla." in page and "cifra di controllo errata" in page
    report = coordinator.get(f"{IMPORT}{record.id}/report.csv").get_data(as_text=True)
    lines = list(csv.reader(io.StringIO(report.lstrip("\ufeff")), delimiter=";"))
    assert ["3", it(OUTCOME_LABELS["invalid"]), "Bottega Arborea", "partita_iva",
            "Partita IVA non valida: cifra di controllo errata."] in lines


def test_the_valid_rows_are_kept_when_the_user_asks(coordinator):
    rows = good_rows()
    rows[2][12] = ""  # an APS without its RUNTS number
    upload(coordinator, csv_bytes(rows), keep_valid_rows=True)
    record = last_import()
    assert (record.status, record.created_count, record.invalid_count) == ("imported", 2, 1)
    assert [issue["row"] for issue in record.issues] == [4]
    assert count(PartnerOrganisation) == 2


def test_semicolons_and_a_bom_as_italian_excel_saves_them(coordinator):
    upload(coordinator, csv_bytes(good_rows(), delimiter=";", bom=True))
    assert last_import().created_count == 3


def test_a_windows_1252_csv_is_read(coordinator):
    rows = good_rows()
    rows[0][0] = "Forno Su Pani di Niccolò S.n.c."
    upload(coordinator, csv_bytes(rows, delimiter=";").decode("utf-8").encode("cp1252"))
    assert last_import().created_count == 3
    assert db.session.scalar(select(PartnerOrganisation.legal_name).where(
        PartnerOrganisation.legal_name.like("Forno%"))) == "Forno Su Pani di Niccolò S.n.c."


def test_an_xlsx_whose_number_cells_lost_their_leading_zeros(coordinator):
    rows = good_rows()
    number = "0" + piva()[1:-1]
    from stdnum import luhn

    number = number + luhn.calc_check_digit(number)
    rows[1][2] = rows[1][3] = int(number)  # Excel shows 2345670950 for 02345670950
    rows[1][7] = 9092
    upload(coordinator, xlsx_bytes(rows), name="organizzazioni.xlsx")
    record = last_import()
    assert record.created_count == 3, record.issues
    shop = db.session.scalar(select(PartnerOrganisation).where(PartnerOrganisation.legal_name == "Bottega Arborea"))
    assert (shop.partita_iva, shop.cap) == (number, "09092")


def test_the_same_organisation_twice_in_a_file_is_refused(coordinator):
    rows = good_rows()
    rows.append(list(rows[1]))
    upload(coordinator, csv_bytes(rows))
    record = last_import()
    assert [(issue["row"], issue["field"]) for issue in record.issues] == [(5, "partita_iva")]


def test_a_file_without_the_required_columns_is_explained(coordinator):
    upload(coordinator, csv_bytes([["Senza tipo"]], headers=["ragione_sociale"]))
    record = last_import()
    assert record.status == "rejected"
    assert record.issues[0]["row"] == 1 and "tipo" in record.issues[0]["message"]


def test_a_file_that_is_not_a_spreadsheet_is_refused_at_the_door(coordinator):
    page = upload(coordinator, b"%PDF-1.4 not a table", name="organizzazioni.csv").get_data(as_text=True)
    assert last_import() is None
    assert "CSV" in page and "XLSX" in page


def test_the_templates_carry_the_documented_headers(coordinator):
    text = coordinator.get(f"{IMPORT}template.csv").get_data(as_text=True)
    assert text.lstrip("\ufeff").splitlines()[0].split(";")[:4] == HEADERS[:4]
    workbook = load_workbook(io.BytesIO(coordinator.get(f"{IMPORT}template.xlsx").data))
    assert [cell.value for cell in next(workbook.active.iter_rows())][:4] == HEADERS[:4]
    page = coordinator.get(IMPORT).get_data(as_text=True)
    assert "runts_numero" in page and "importa comunque le righe valide" in page.lower()


@pytest.mark.parametrize("role", ["shop", "municipality", "auditor", "operator"])
def test_only_coordinators_and_admins_import(app, ctx, role):
    coordinator = app.test_client()
    login(coordinator, make_user("coordinator"))
    upload(coordinator, csv_bytes(good_rows()))
    record = last_import()
    other = app.test_client()
    login(other, make_user(role))
    assert other.get(IMPORT).status_code == 403
    assert other.get(f"{IMPORT}{record.id}/").status_code == 403
    assert other.get(f"{IMPORT}{record.id}/report.csv").status_code == 403


def test_the_uploaded_file_is_kept_for_coordinators_only(app, coordinator):
    content = csv_bytes(good_rows())
    upload(coordinator, content)
    record = last_import()
    assert coordinator.get(f"/files/{record.upload_id}").data == content
    shop = app.test_client()
    login(shop, make_user("shop"))
    assert shop.get(f"/files/{record.upload_id}").status_code == 404


def test_a_failed_import_says_so(coordinator, monkeypatch):
    from modules.partners import jobs

    def explode(record, progress):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(jobs, "run_import", explode)
    page = upload(coordinator, csv_bytes(good_rows())).get_data(as_text=True)
    assert last_import().status == "failed"
    assert "disk on fire" in page
    assert count(PartnerOrganisation) == 0
