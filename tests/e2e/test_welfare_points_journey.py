"""A cooperative updates its offer's price and adds a slot; an operator records a need at their desk, refers it
to that offer and books the new slot from the case page; a second case booking the full slot is refused with
a clear Italian message; the public catalogue shows the new price."""

from __future__ import annotations

import pytest

from tests.conftest import config_module_selection

_selection = config_module_selection()
if _selection is not None and "welfare_points" not in _selection:
    pytest.skip("DISTRETTO_MODULES leaves the welfare_points module out", allow_module_level=True)

from playwright.sync_api import expect  # noqa: E402

from app.extensions import db  # noqa: E402
from tests.modules.catalog.helpers import accredited_offer  # noqa: E402
from tests.modules.welfare_points.helpers import desk_with_operator  # noqa: E402

OFFER = "Ludoteca Su Molinu"


@pytest.fixture
def people(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(tmp_path / "uploads"))
    with app.app_context():
        offer, slot, cooperative, _application = accredited_offer(title_it=OFFER, capacity=5)
        _desk, operator = desk_with_operator("Sportello Lavoro Oristano")
        db.session.commit()
        return offer.id, cooperative.email, operator.email


def _cooperative_updates_offer(page, offer_id: int) -> None:
    page.goto(f"/admin/catalog_offer/edit/?id={offer_id}")
    page.locator("#price_from").fill("35,00")
    page.locator("form.admin-form input[type=submit]").first.click()
    page.wait_for_url("**/catalog_offer/**")
    page.goto("/admin/catalog_slot/new/")
    page.locator("select#offer").select_option(label=OFFER, force=True)
    page.locator("select#weekday").select_option(label="Sabato", force=True)
    page.locator("#starts_at").fill("16:00")
    page.locator("#ends_at").fill("17:30")
    page.locator("#capacity").fill("1")
    page.locator("form.admin-form input[type=submit]").first.click()
    page.wait_for_url("**/catalog_slot/**")
    page.locator("form[action$='/logout'] button").click()
    page.wait_for_url("**/login**")


def _record_need(page, name: str | None) -> None:
    page.goto("/admin/welfare_points_need/new/")
    page.locator("select#category").select_option(label="Infanzia e cura dei figli", force=True)
    page.locator("select#age_band").select_option(label="30–44", force=True)
    page.locator("select#household_type").select_option(label="Coppia con figli", force=True)
    page.locator("select#work_status").select_option(label="Lavoratore dipendente", force=True)
    page.locator("select#channel").select_option(label="Si è presentato allo sportello", force=True)
    if name:
        page.locator("select#legal_basis").select_option(value="consent", force=True)
        page.locator("#has_consent").check()
        page.locator("#full_name").fill(name)
        page.locator("#note").fill("Cerca un doposcuola il sabato pomeriggio.")
    else:
        page.locator("select#legal_basis").select_option(value="public_task", force=True)
    page.locator("form.admin-form input[type=submit]").first.click()
    page.wait_for_url("**/welfare_points_need/details/**")


def _refer_and_book(page) -> None:
    page.locator("select#offer_ids").select_option(label=page.locator("select#offer_ids option",
                                                                      has_text=OFFER).first.inner_text())
    page.locator("#refer-form button[type=submit]").click()
    page.wait_for_url("**/welfare_points_need/details/**")
    expect(page.locator("#referrals")).to_contain_text(OFFER)
    form = page.locator("form.booking-form").first
    option = form.locator("select option", has_text="16:00").first.get_attribute("value")
    form.locator("select").select_option(option)
    form.locator("button[type=submit]").click()
    page.wait_for_url("**/welfare_points_need/details/**")


def test_operator_refers_a_need_and_books_and_a_full_slot_is_refused(page, sign_in, people, assert_accessible):
    offer_id, cooperative_email, operator_email = people
    sign_in(cooperative_email)
    _cooperative_updates_offer(page, offer_id)

    sign_in(operator_email)
    _record_need(page, "Paola Murru")
    expect(page.locator("#personal")).to_contain_text("Paola Murru")
    _refer_and_book(page)
    expect(page.locator("body")).to_contain_text("Prenotato")
    expect(page.locator("#referrals")).to_contain_text("confermata")
    assert_accessible()

    _record_need(page, None)
    expect(page.locator("#personal")).to_contain_text("Caso anonimo")
    _refer_and_book(page)
    expect(page.locator("body")).to_contain_text("Questa fascia oraria è al completo")

    page.goto("/admin/")
    expect(page.locator("body")).to_contain_text("Casi da seguire")

    page.goto("/catalogo/")
    expect(page.locator("#offers")).to_contain_text(OFFER)
    expect(page.locator("#offers")).to_contain_text("35,00")
