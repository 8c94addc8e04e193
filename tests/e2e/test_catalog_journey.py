"""A cooperative updates its offer's price and adds a slot; an operator books the last place; a second
booking of the full slot is refused with a clear Italian message; the public catalogue shows the new price."""

from __future__ import annotations

import pytest

from tests.conftest import config_module_selection

_selection = config_module_selection()
if _selection is not None and "catalog" not in _selection:
    pytest.skip("DISTRETTO_MODULES leaves the catalog module out", allow_module_level=True)

from playwright.sync_api import expect  # noqa: E402

from app.extensions import db  # noqa: E402
from tests.factories import make_user  # noqa: E402
from tests.modules.catalog.helpers import accredited_offer  # noqa: E402


@pytest.fixture
def people(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(tmp_path / "uploads"))
    with app.app_context():
        offer, slot, cooperative, _application = accredited_offer(title_it="Ludoteca Is Arenas", capacity=1)
        slot.capacity = 5  # the old slot stays open; the test books the one the cooperative adds
        db.session.commit()
        return offer.id, cooperative.email, make_user("operator").email


def test_cooperative_updates_offer_operator_books_full_slot_is_refused(page, sign_in, people, assert_accessible):
    offer_id, cooperative_email, operator_email = people
    sign_in(cooperative_email)
    page.goto(f"/admin/catalog_offer/edit/?id={offer_id}")
    page.locator("#price_from").fill("30,00")
    page.locator("form.admin-form input[type=submit]").first.click()
    page.wait_for_url("**/catalog_offer/**")
    expect(page.locator("body")).not_to_contain_text("Inserire un importo")

    page.goto("/admin/catalog_slot/new/")
    page.locator("select#offer").select_option(label="Ludoteca Is Arenas", force=True)
    page.locator("select#weekday").select_option(label="Sabato", force=True)
    page.locator("#starts_at").fill("16:00")
    page.locator("#ends_at").fill("17:30")
    page.locator("#capacity").fill("1")
    page.locator("form.admin-form input[type=submit]").first.click()
    page.wait_for_url("**/catalog_slot/**")
    page.locator("form[action$='/logout'] button").click()
    page.wait_for_url("**/login**")

    sign_in(operator_email)
    book = f"/admin/catalog_offer/book/{offer_id}/"
    page.goto(book)
    option = page.locator("select#opening option", has_text="16:00").first.get_attribute("value")
    page.locator("select#opening").select_option(option)
    page.locator("#anonymous_code").fill("OR-001")
    page.locator("#booking-form button[type=submit]").click()
    page.wait_for_url("**/catalog_booking/details/**")

    page.goto(book)
    page.locator("select#opening").select_option(option)
    page.locator("#anonymous_code").fill("OR-002")
    page.locator("#booking-form button[type=submit]").click()
    expect(page.locator("body")).to_contain_text("Questa fascia oraria è al completo")

    page.goto("/catalogo/")
    expect(page.locator("#offers")).to_contain_text("Ludoteca Is Arenas")
    expect(page.locator("#offers")).to_contain_text("30,00")
    assert_accessible()
