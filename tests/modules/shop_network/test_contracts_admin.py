"""The coordinators' contract screens: list with filters and export, the details page with its buttons, the
home widget; and the demo network."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from app.extensions import db
from app.models import User
from modules.shop_network.models import Contract, Rate, Transaction
from modules.shop_network.services import contracts as services
from tests.factories import csrf_token, login
from tests.modules.shop_network.contract_helpers import (
    TODAY,
    active_contract,
    coordinator,
    draft,
    platform,
    shop_with_user,
)
from tests.modules.shop_network.factories import seeded_category


@pytest.fixture
def fixed_day(monkeypatch):
    monkeypatch.setattr(services, "today", lambda: TODAY)


def _build(app, builder):
    """Run `builder` in an Italian request context; users come back as plain e-mails (for `login`), records
    as their loaded copies, usable after the session is gone."""
    with app.test_request_context(), force_locale("it"):
        result = builder()
        db.session.commit()
        return tuple(_plain(item) for item in result) if isinstance(result, tuple) else _plain(result)


def _plain(item):
    if isinstance(item, User):
        return SimpleNamespace(email=item.email, id=item.id)
    if isinstance(item, Contract):
        return SimpleNamespace(id=item.id, number=item.number, platform_ids=[p.id for p in item.platforms])
    if isinstance(item, list):
        return [_plain(i) for i in item]
    if isinstance(item, Transaction):
        return SimpleNamespace(id=item.id, provider_id=item.provider_id)
    return item


def test_the_list_filters_by_state_category_comune_and_platform(app, client, fixed_day):
    def build():
        contract, _user, boss = active_contract(name="Sa Butega", comune="095018")
        other = draft(boss, shop_with_user("Libreria")[0], comune="095038", categories=("education",))
        return boss, contract, other

    boss, contract, other = _build(app, build)
    login(client, boss)
    base = "/admin/shop_network_contract/"

    listing = client.get(base).get_data(as_text=True)
    assert contract.number in listing and other.number in listing
    by_comune = client.get(f"{base}?flt0_2=095038").get_data(as_text=True)
    assert other.number in by_comune and contract.number not in by_comune
    by_platform = client.get(f"{base}?flt0_3={contract.platform_ids[0]}").get_data(as_text=True)
    assert contract.number in by_platform and other.number not in by_platform
    exported = client.get(f"{base}export/csv-it/").get_data(as_text=True)
    assert contract.number in exported and other.number in exported


def test_the_details_page_sends_the_contract_and_proposes_an_amendment(app, client, fixed_day):
    def build():
        boss = coordinator()
        contract = draft(boss, shop_with_user()[0])
        return boss, contract.id

    boss, contract_id = _build(app, build)
    login(client, boss)
    details = f"/admin/shop_network_contract/details/?id={contract_id}"
    assert "Invia per la firma" in client.get(details).get_data(as_text=True)

    response = client.post("/admin/shop_network_contract/transition/",
                           data={"csrf_token": csrf_token(client, details), "id": contract_id, "transition": "send"})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Contract, contract_id).state == "sent"
    home = client.get("/admin/").get_data(as_text=True)
    assert "RN-2026-" in home  # the widget: waiting for the shop's signature


def test_the_coordinator_suspends_with_a_reason_and_a_day(app, client, fixed_day):
    contract, _user, boss = _build(app, active_contract)
    login(client, boss)
    details = f"/admin/shop_network_contract/details/?id={contract.id}"

    client.post("/admin/shop_network_contract/transition/",
                data={"csrf_token": csrf_token(client, details), "id": contract.id, "transition": "suspend",
                      "reason": "Verifica", "day": "2026-03-20"})

    with app.app_context():
        found = db.session.get(Contract, contract.id)
        assert (found.state, found.suspended_from) == ("suspended", date(2026, 3, 20))
    page = client.get(details).get_data(as_text=True)
    assert "Riattiva" in page and "Verifica" in page


def test_an_amendment_in_the_past_is_refused_on_screen(app, client, fixed_day):
    contract, _user, boss = _build(app, active_contract)
    login(client, boss)
    details = f"/admin/shop_network_contract/details/?id={contract.id}"

    client.post("/admin/shop_network_contract/amend/",
                data={"csrf_token": csrf_token(client, details), "id": contract.id, "rate": "4",
                      "effective_from": "2026-03-01"})
    client.post("/admin/shop_network_contract/amend/",
                data={"csrf_token": csrf_token(client, details), "id": contract.id, "rate": "4",
                      "effective_from": "2026-04-15"})

    with app.app_context():
        rates = db.session.execute(select(Rate.rate, Rate.status).where(Rate.contract_id == contract.id)
                                   .order_by(Rate.effective_from)).all()
    assert [tuple(row) for row in rates] == [(Decimal("3"), "signed"), (Decimal("4"), "pending")]


def test_the_shop_sees_its_contract_widget(app, client, fixed_day):
    _contract, user, _boss = _build(app, active_contract)
    login(client, user)

    assert "/rete-negozi/portale/" in client.get("/admin/").get_data(as_text=True)


def test_the_demo_network_loads_once(app, monkeypatch):
    from app.installer import load_demo

    with app.test_request_context(), force_locale("it"):
        load_demo()
        load_demo()
        count = db.session.scalar(select(func.count()).select_from(Contract))
        butega = db.session.scalar(select(Contract).where(Contract.number == "RN-DEMO-0001"))
        assert count == 4
        assert butega.organisation.legal_name == "Sa Butega di Maria Pinna"
        assert services.rate_in_force(butega, services.today()) == 3
        assert services.in_network(butega.organisation_id, services.today())
        from app.models import User

        shop_user = db.session.scalar(select(User).where(User.email == "shop@demo.distretto.example.com"))
        assert shop_user.organisation_id == butega.organisation_id


def test_the_coordinator_creates_a_contract_with_the_form(app, client, fixed_day):
    def build():
        shop, _user = shop_with_user()
        return coordinator(), shop.id, platform().id

    boss, shop_id, platform_id = _build(app, build)
    login(client, boss)
    with app.app_context():
        food = seeded_category("food").id

    response = client.post("/admin/shop_network_contract/new/", data={
        "csrf_token": csrf_token(client, "/admin/shop_network_contract/new/"), "number": "RN-2026-0100",
        "organisation": shop_id, "valid_from": "2026-04-01", "initial_rate": "3,5", "categories": food,
        "platforms": platform_id, "notes": ""})

    assert response.status_code == 302
    with app.app_context():
        contract = db.session.scalar(select(Contract).where(Contract.number == "RN-2026-0100"))
        assert (contract.state, contract.organisation_id) == ("draft", shop_id)
        assert [(r.rate, r.effective_from, r.status) for r in contract.rates] == [
            (Decimal("3.5"), date(2026, 4, 1), "pending")]


def test_the_suspend_button_asks_from_which_day_and_why(app, client, monkeypatch):
    from modules.shop_network.services import contracts as contract_services
    from tests.modules.shop_network.contract_helpers import TODAY, active_contract

    monkeypatch.setattr(contract_services, "today", lambda: TODAY)
    with app.app_context():
        contract, _shop_user, boss = active_contract()
        contract_id, boss_email = contract.id, boss.email
    login(client, SimpleNamespace(email=boss_email))

    page = client.get(f"/admin/shop_network_contract/details/?id={contract_id}").get_data(as_text=True)

    form = page[page.index('value="suspend"'):]
    form = form[:form.index("</form>")]
    assert 'name="day"' in form and 'name="allow_past"' in form and 'name="reason"' in form
