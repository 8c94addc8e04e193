"""The shop's portal: its contract and the sign button (through the signatures desk), its rate history, its
transactions (paged, filtered, exported) — and nothing of another shop, whatever the URL says."""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest
from flask_babel import force_locale

from app.extensions import db
from app.models import User
from modules.shop_network.models import Contract, Transaction
from modules.shop_network.services import contracts as services
from tests.factories import PASSWORD, csrf_token, login, make_user
from tests.modules.shop_network.contract_helpers import TODAY, active_contract, coordinator, draft, shop_with_user
from tests.modules.shop_network.factories import TransactionFactory


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


def test_the_shop_signs_its_contract_from_the_portal(app, client, fixed_day):
    def build():
        shop, user = shop_with_user()
        boss = coordinator()
        contract = draft(boss, shop)
        services.send_for_signature(contract, boss)
        return contract.id, user

    contract_id, user = _build(app, build)
    login(client, user)

    page = client.get("/rete-negozi/portale/").get_data(as_text=True)
    assert "RN-2026-" in page and "Inviato per la firma" in page
    sign_link = re.search(r'href="(/admin/signatures_desk/\d+/[^"]*)"', page).group(1).replace("&amp;", "&")
    assert client.get(sign_link).status_code == 200
    request_id = re.search(r"/signatures_desk/(\d+)/", sign_link).group(1)
    response = client.post(f"/admin/signatures_desk/{request_id}/fes?next=/rete-negozi/portale/",
                           data={"csrf_token": csrf_token(client, sign_link), "fes-password": PASSWORD,
                                 "fes-declaration": "y"})

    assert response.status_code == 302 and response.headers["Location"].endswith("/rete-negozi/portale/")
    with app.app_context():
        assert db.session.get(Contract, contract_id).state == "active"
    assert "Attivo" in client.get("/rete-negozi/portale/").get_data(as_text=True)


def _two_shops_with_sales(app):
    def build():
        contract, user, _boss = active_contract("3")
        other, _other_user, _ = active_contract("5", name="Altro negozio", comune="095038")
        mine = [TransactionFactory(organisation=contract.organisation, provider_tx_id=f"MIA-{n}",
                                   occurred_on=date(2026, month, 10), amount=Decimal("10.00"))
                for n, month in enumerate((3, 3, 4))]
        theirs = TransactionFactory(organisation=other.organisation, provider_tx_id="ALTRUI-1",
                                    occurred_on=date(2026, 3, 10))
        return user, mine, theirs

    return _build(app, build)


def test_the_shop_sees_only_its_own_transactions(app, client, fixed_day):
    user, mine, theirs = _two_shops_with_sales(app)
    login(client, user)

    page = client.get("/rete-negozi/portale/transazioni").get_data(as_text=True)
    assert "MIA-0" in page and "MIA-2" in page and "ALTRUI-1" not in page

    march = client.get("/rete-negozi/portale/transazioni?month=2026-03").get_data(as_text=True)
    assert "MIA-0" in march and "MIA-2" not in march
    other_provider = client.get(f"/rete-negozi/portale/transazioni?provider={theirs.provider_id}")
    assert "ALTRUI-1" not in other_provider.get_data(as_text=True)
    refunds = client.get("/rete-negozi/portale/transazioni?kind=refund").get_data(as_text=True)
    assert "MIA-0" not in refunds


def test_the_shop_export_holds_only_its_own_rows(app, client, fixed_day):
    user, _mine, _theirs = _two_shops_with_sales(app)
    login(client, user)

    exported = client.get("/rete-negozi/portale/transazioni?format=csv")
    rows = list(csv.reader(io.StringIO(exported.get_data(as_text=True).lstrip("\ufeff"))))

    assert exported.status_code == 200
    assert sorted(row[2] for row in rows[1:]) == ["MIA-0", "MIA-1", "MIA-2"]


def test_another_shops_contract_is_out_of_reach(app, client, fixed_day):
    def build():
        contract, user, _boss = active_contract()
        other, _u, _b = active_contract(name="Altro negozio")
        return user, other.id

    user, other_id = _build(app, build)
    login(client, user)

    assert client.get(f"/admin/shop_network_contract/details/?id={other_id}").status_code == 404
    exported = client.get("/admin/shop_network_contract/export/csv/").get_data(as_text=True)
    assert "Altro negozio" not in exported
    assert "Altro negozio" not in client.get("/rete-negozi/portale/").get_data(as_text=True)


def test_the_portal_is_for_shops(app, client):
    provider = _build(app, lambda: make_user("provider"))
    assert client.get("/rete-negozi/portale/").status_code == 302  # to the login page
    login(client, provider)
    assert client.get("/rete-negozi/portale/").status_code == 403
    assert client.get("/rete-negozi/portale/transazioni").status_code == 403


def test_a_shop_without_contract_sees_a_friendly_page(app, client):
    _shop, user = _build(app, shop_with_user)
    login(client, user)

    page = client.get("/rete-negozi/portale/")
    assert page.status_code == 200 and "RN-" not in page.get_data(as_text=True)


def test_the_menu_leads_a_shop_to_its_portal_and_a_provider_to_its_statements(app, client):
    with app.app_context():
        shop_email = make_user("shop").email
        provider_email = make_user("provider").email
    login(client, SimpleNamespace(email=shop_email))
    menu = client.get("/admin/").get_data(as_text=True)
    assert 'href="/rete-negozi/portale/"' in menu and 'href="/rete-negozi/estratti"' in menu
    assert "Il mio contratto" in menu and "I miei estratti conto" in menu

    other = app.test_client()
    login(other, SimpleNamespace(email=provider_email))
    menu = other.get("/admin/").get_data(as_text=True)
    assert 'href="/rete-negozi/estratti"' in menu and 'href="/rete-negozi/portale/"' not in menu
