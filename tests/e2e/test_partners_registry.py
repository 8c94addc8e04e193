"""The organisations registry in an Italian browser: a coordinator creates and imports organisations,
a shop keeps its own details up to date and cannot reach anyone else's."""

from __future__ import annotations

import csv
import io

import pytest
from flask_admin.babel import gettext as admin_gettext
from flask_babel import force_locale, gettext
from playwright.sync_api import expect
from sqlalchemy import select

from app.extensions import db
from app.models import Organisation
from tests.conftest import config_module_selection
from tests.factories import make_user
from tests.modules.partners.helpers import piva, wrong_check_digit

WRONG_CHECK_DIGIT = "Partita IVA non valida: cifra di controllo errata."
_SELECTED = config_module_selection()
pytestmark = pytest.mark.skipif(_SELECTED is not None and "partners" not in _SELECTED,
                                reason="DISTRETTO_MODULES leaves the partners module out")


def organisation(**kwargs):
    from tests.modules.partners.factories import PartnerOrganisationFactory

    return PartnerOrganisationFactory(**kwargs)


def italian(app, message: str, admin: bool = False, **variables) -> str:
    with app.test_request_context(), force_locale("it"):
        return admin_gettext(message) if admin else gettext(message, **variables)


def save(app, page) -> None:
    page.locator(f"input[type=submit][value='{italian(app, 'Save', admin=True)}']").click()
    page.wait_for_load_state()


def test_coordinator_fixes_a_wrong_partita_iva_and_finds_the_organisation_in_list_and_export(app, page, sign_in):
    with app.app_context():
        email = make_user("coordinator").email
    number = piva()
    sign_in(email)
    page.goto("/admin/organisation/new/")
    page.get_by_label(italian(app, "Legal name")).fill("Forno Sa Spiga S.n.c.")
    page.locator("select[name=type]").select_option("artisan")
    page.get_by_label(italian(app, "VAT number")).fill(wrong_check_digit(number))
    save(app, page)

    expect(page.get_by_text(WRONG_CHECK_DIGIT)).to_be_visible()
    page.get_by_label(italian(app, "VAT number")).fill(f"IT {number[:4]} {number[4:8]} {number[8:]}")
    save(app, page)

    page.goto("/admin/organisation/?search=Sa+Spiga")
    row = page.locator("table.model-list tbody tr", has_text="Forno Sa Spiga S.n.c.")
    expect(row).to_contain_text(number)
    exported = page.request.get("/admin/organisation/export/csv/").text()
    rows = list(csv.DictReader(io.StringIO(exported)))
    assert [(r[italian(app, "Legal name")], r[italian(app, "VAT number")]) for r in rows] == \
        [("Forno Sa Spiga S.n.c.", number)]


def test_coordinator_imports_a_spreadsheet_with_one_bad_row_and_reads_the_report(app, page, sign_in, tmp_path):
    with app.app_context():
        email = make_user("coordinator").email
    good, bad = piva(), wrong_check_digit(piva())
    content = ("ragione_sociale;tipo;partita_iva;comune\n"
               f"Bottega Uno;shop;{good};Cabras\n"
               f"Bottega Due;shop;{bad};Oristano\n")
    file = tmp_path / "organizzazioni.csv"
    file.write_bytes(b"\xef\xbb\xbf" + content.encode("utf-8"))
    sign_in(email)
    page.goto("/admin/partners_import/")
    page.locator("input[type=file]").set_input_files(str(file))
    page.get_by_role("button", name=italian(app, "Check and import")).click()
    page.wait_for_url("**/admin/partners_import/*/")

    expect(page.locator("#import-outcome")).to_contain_text(italian(app, "Nothing was imported."))
    issue = page.locator("#import-issues tbody tr")
    expect(issue).to_have_count(1)
    expect(issue).to_contain_text("3")
    expect(issue).to_contain_text("partita_iva")
    expect(issue).to_contain_text(WRONG_CHECK_DIGIT)
    report = page.request.get(page.url + "report.csv").text()
    assert WRONG_CHECK_DIGIT in report
    with app.app_context():
        assert db.session.scalar(select(Organisation.id).where(Organisation.partita_iva == good)) is None


def test_shop_edits_its_own_pec_and_cannot_reach_another_organisation(app, page, sign_in, assert_accessible):
    with app.app_context():
        own = organisation(legal_name="Sa Butega di Prova")
        other = organisation(legal_name="Altra Bottega S.r.l.")
        own_id, other_id = own.id, other.id
        email = make_user("shop", organisation=db.session.get(Organisation, own_id)).email
    sign_in(email)
    page.goto(f"/admin/organisation/edit/?id={own_id}")
    expect(page.locator("input[name=partita_iva]")).to_have_count(0)
    expect(page.locator("input[name=legal_name]")).to_have_count(0)
    assert_accessible()
    page.get_by_label(italian(app, "PEC")).fill("sabutega.nuova@pec.example.it")
    save(app, page)

    page.goto(f"/admin/organisation/details/?id={own_id}")
    expect(page.locator("main")).to_contain_text("sabutega.nuova@pec.example.it")
    assert_accessible()
    assert page.goto(f"/admin/organisation/details/?id={other_id}").status == 404
    assert page.goto(f"/admin/organisation/edit/?id={other_id}").status == 404
    assert "Altra Bottega" not in page.request.get("/admin/organisation/export/csv/").text()
    with app.app_context():
        from modules.partners.models import PartnerOrganisation

        assert db.session.get(PartnerOrganisation, own_id).pec == "sabutega.nuova@pec.example.it"


def test_registry_pages_are_accessible(app, page, sign_in, assert_accessible, tmp_path):
    with app.app_context():
        organisation(legal_name="Bottega Accessibile")
        email = make_user("coordinator").email
    sign_in(email)
    for path in ("/admin/organisation/", "/admin/organisation/new/", "/admin/partners_contact/",
                 "/admin/partners_type/", "/admin/partners_import/"):
        page.goto(path)
        assert_accessible()
    file = tmp_path / "organizzazioni.csv"
    file.write_text(f"ragione_sociale,tipo,partita_iva\nBottega Tre,shop,{wrong_check_digit(piva())}\n")
    page.locator("input[type=file]").set_input_files(str(file))
    page.get_by_role("button", name=italian(app, "Check and import")).click()
    page.wait_for_url("**/admin/partners_import/*/")
    assert_accessible()
