"""Issue 7's browser journey, in Italian: a provider uploads a file with one bad row and gets a row-by-row report
(nothing imported); the provider fixes it and uploads it again; the coordinator computes and confirms March;
Sa Butega downloads its statement, which shows € 33,00 (DOMAIN scenario 1)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from flask_babel import force_locale, gettext
from playwright.sync_api import expect
from pypdf import PdfReader
from sqlalchemy import select

from app.extensions import db, limiter
from app.settings import set_setting
from modules.shop_network.models import Settlement
from tests.factories import make_user
from tests.modules.shop_network.settlement_helpers import accredited_provider, network_fund, network_shop

IBAN = "IT60X0542811101000000123456"


def italian(app, message: str, **variables) -> str:
    with app.test_request_context(), force_locale("it"):
        return gettext(message, **variables)


def provider_file(piva: str, refund_day: str) -> bytes:
    """March at Sa Butega as the provider exports it (Italian Excel style): € 1.200,00 of sales, a € 100,00 refund."""
    lines = ["ID transazione;Data;Partita IVA;Importo;Tipo;Rimborso di",
             f"WP-001;05/03/2026 10:15;{piva};700,00;acquisto;",
             f"WP-002;18/03/2026 17:40;{piva};500,00;acquisto;",
             f"WP-003;{refund_day} 09:05;{piva};100,00;rimborso;WP-001"]
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8")


def upload(app, page, data: bytes, name: str) -> None:
    """The provider uploads a file on the import screen (its own organisation is the only choice)."""
    page.goto("/admin/shop_network_import/")
    page.locator("input[type=file]").set_input_files({"name": name, "mimeType": "text/csv", "buffer": data})
    page.get_by_role("button", name=italian(app, "Check and import")).click()
    expect(page.locator("#import-outcome")).to_be_visible()


def test_upload_fix_confirm_march_and_download_the_statement(app, page, sign_in):
    with app.app_context():
        network_fund()
        set_setting("shop_network.fund_iban", IBAN)
        shop = network_shop("Sa Butega")
        provider = accredited_provider("Welfare Più", "2.0000")
        people = {"provider": make_user("provider", organisation=provider),
                  "shop": make_user("shop", organisation=shop),
                  "coordinator": make_user("coordinator", full_name="Giulia Coordinatrice")}
        emails = {key: user.email for key, user in people.items()}
        piva = shop.partita_iva

    def as_user(key: str) -> None:
        with app.app_context():
            limiter.reset()  # several people sign in from one address here; the login limit is per address
        page.context.clear_cookies()
        sign_in(emails[key])

    # The provider's file has one bad row (a date that does not exist): nothing is imported, the report says why.
    as_user("provider")
    upload(app, page, provider_file(piva, "28/13/2026"), "marzo.csv")
    expect(page.locator("#import-outcome")).to_contain_text(italian(app, "Nothing was imported."))
    problems = page.locator("#import-problems tbody tr")
    expect(problems).to_have_count(1)
    expect(problems).to_contain_text("WP-003")
    expect(problems).to_contain_text("28/13/2026")
    with page.expect_download() as report:
        page.locator("#report-download").click()
    assert "WP-003" in Path(report.value.path()).read_text(encoding="utf-8-sig")
    # Fixed and uploaded again: the three rows are imported.
    upload(app, page, provider_file(piva, "28/03/2026"), "marzo-corretto.csv")
    expect(page.locator("#import-outcome")).to_contain_text(italian(app, "Import done."))
    expect(page.locator("#batch-status")).to_have_text(italian(app, "Imported"))

    # The coordinator computes the drafts of March and confirms Sa Butega's.
    as_user("coordinator")
    page.goto("/admin/shop_network_settlement/")
    compute = page.locator("#compute-form")
    compute.get_by_label(italian(app, "Month (YYYY-MM)")).fill("2026-03")
    compute.get_by_role("button", name=italian(app, "Compute the drafts")).click()
    expect(page.locator(".alert-success")).to_contain_text("03/2026")
    with app.app_context():
        march_id = db.session.scalar(select(Settlement.id).where(Settlement.organisation_id == shop.id,
                                                                 Settlement.kind == "shop"))
    page.goto(f"/admin/shop_network_settlement/details/?id={march_id}")
    expect(page.locator("main, body").first).to_contain_text("€ 33,00")
    page.get_by_role("button", name=italian(app, "Confirm"), exact=True).click()
    expect(page.locator(".alert-success")).to_contain_text(italian(app, "Confirmed"))

    # Sa Butega sees its statement and downloads the PDF: € 33,00 to pay, with the fund's IBAN and the causale.
    as_user("shop")
    page.goto("/rete-negozi/estratti")
    row = page.locator(f"#statement-{march_id}")
    expect(row).to_contain_text("€ 33,00")
    expect(row).to_contain_text(italian(app, "Confirmed"))
    with page.expect_download() as download_info:
        row.get_by_role("link", name="PDF").click()
    text = "".join(p.extract_text() for p in PdfReader(download_info.value.path()).pages)
    assert "33,00" in text and IBAN in text and "RN-2026-03-S" in text and "marzo 2026" in text


def test_the_statements_page_is_accessible(app, page, sign_in, assert_accessible):
    with app.app_context():
        shop = network_shop("Sa Butega")
        from tests.modules.shop_network.settlement_helpers import sale

        sale(shop, accredited_provider(), "1200.00", date(2026, 3, 5))
        from modules.shop_network.services import settlement

        settlement.compute_drafts(date(2026, 3, 1))
        email = make_user("shop", organisation=shop).email
    sign_in(email)
    page.goto("/rete-negozi/estratti")
    assert_accessible()
