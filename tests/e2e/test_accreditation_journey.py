"""A provider applies, uploads its documents and submits; a coordinator requests changes; the provider
fixes the application and resubmits; the coordinator approves; the public register shows it."""

from __future__ import annotations

import pytest

from tests.conftest import config_module_selection

_selection = config_module_selection()
if _selection is not None and "accreditation" not in _selection:
    pytest.skip("DISTRETTO_MODULES leaves the accreditation module out", allow_module_level=True)

from datetime import timedelta  # noqa: E402 - after the module-level skip

from flask_babel import force_locale, gettext  # noqa: E402
from playwright.sync_api import expect  # noqa: E402

from app.extensions import db  # noqa: E402
from app.models import Organisation  # noqa: E402
from modules.accreditation.dates import today  # noqa: E402
from tests.factories import make_user  # noqa: E402
from tests.modules.partners.factories import PartnerOrganisationFactory  # noqa: E402

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
DOCUMENTS = ("DURC", "Visura camerale", "Comunicazione antimafia")


def italian(app, message: str, **values) -> str:
    with app.test_request_context(), force_locale("it"):
        return gettext(message, **values)


@pytest.fixture
def people(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(tmp_path / "uploads"))
    with app.app_context():
        organisation = PartnerOrganisationFactory(legal_name="Welfare Sardegna S.r.l.", type="provider")
        provider = make_user("provider", organisation=db.session.get(Organisation, organisation.id))
        reviewer = make_user("coordinator", full_name="Giulia Coordinatrice")
        return provider.email, reviewer.email


def sign_out(page):
    page.locator("form[action$='/logout'] button").click()
    page.wait_for_url("**/login**")


def fire(page, transition: str, reason: str | None = None):
    form = page.locator(f"form[data-transition={transition}]")
    if reason is not None:
        form.locator("textarea").fill(reason)
    form.locator("button").click()
    page.wait_for_load_state()


def test_a_provider_is_accredited_and_appears_in_the_public_register(app, page, sign_in, people,
                                                                     assert_accessible):
    provider_email, reviewer_email = people
    sign_in(provider_email)
    page.goto("/admin/accreditation_application/new/")
    page.locator("select#scheme").select_option(label="Provider di piattaforma welfare", force=True)
    page.locator("#shared_value_percent").fill("1,5")
    page.locator("#expected_contract_value").fill("80.000,00")
    page.locator("form.admin-form input[type=submit]").first.click()
    page.wait_for_url("**/details/**")
    application_url = page.url

    issued = (today() - timedelta(days=10)).isoformat()
    for name in DOCUMENTS:
        upload = page.locator("#acc-upload")
        upload.locator("select[name=document_type]").select_option(label=name)
        upload.locator("input[name=issue_date]").fill(issued)
        upload.locator("input[name=file]").set_input_files(
            {"name": f"{name}.pdf", "mimeType": "application/pdf", "buffer": PDF})
        upload.locator("button[type=submit]").click()
        page.wait_for_url("**/details/**")
        expect(page.locator("#documents")).to_contain_text(f"{name}.pdf")
    page.goto(application_url)  # without the flashed message: stock Flask-Admin's close button fails axe
    assert_accessible()
    fire(page, "submit")
    expect(page.locator("#acc-status-title")).to_contain_text(italian(app, "Submitted"))
    sign_out(page)

    sign_in(reviewer_email)
    page.goto(application_url)
    fire(page, "start_review")
    fire(page, "request_changes", "La percentuale di valore condiviso concordata è il 2,5%.")
    expect(page.locator("#acc-status-title")).to_contain_text(italian(app, "Changes requested"))
    sign_out(page)

    sign_in(provider_email)
    expect(page.locator("main")).to_contain_text("concordata è il 2,5%")  # the home says what was asked
    page.goto(application_url)
    page.locator(".nav-tabs a[href*='/edit/']").click()
    page.locator("#shared_value_percent").fill("2,5")
    page.locator("form.admin-form input[type=submit]").first.click()
    page.wait_for_url("**/details/**")
    fire(page, "submit")
    sign_out(page)

    sign_in(reviewer_email)
    page.goto(application_url)
    fire(page, "start_review")
    fire(page, "approve", "")
    expect(page.locator("#acc-status-title")).to_contain_text(italian(app, "Approved"))

    page.goto("/accreditamento/registro")
    row = page.locator("#register tbody tr", has_text="Welfare Sardegna S.r.l.")
    expect(row).to_contain_text("Provider di piattaforma welfare")
    expect(row).to_contain_text("2,5")
    expect(row).to_contain_text(italian(app, "Accredited"))
    assert_accessible()
