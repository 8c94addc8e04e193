"""The public network page (no login): only shops in the network today, by comune, filterable by category and
comune, with their outlets; the same list as CSV and JSON."""

from __future__ import annotations

from datetime import date

import pytest
from flask_babel import force_locale

from app.extensions import db
from modules.shop_network.services import contracts as services
from tests.modules.shop_network.contract_helpers import TODAY, active_contract, coordinator, draft, shop_with_user
from tests.modules.shop_network.factories import seeded_category


@pytest.fixture
def network(app, monkeypatch):
    """Sa Butega (Cabras, food) and Libreria (Oristano, education) in the network; a shop suspended from today;
    a draft contract."""
    monkeypatch.setattr(services, "today", lambda: TODAY)
    with app.test_request_context(), force_locale("it"):
        active_contract(name="Sa Butega di Maria Pinna", comune="095018")
        libreria, _user, boss = active_contract(name="Libreria Il Nuraghe", comune="095038")
        libreria.categories = [seeded_category("education")]
        suspended, _u, _b = active_contract(name="Negozio sospeso", comune="095018")
        services.suspend(suspended, boss, "Controlli", TODAY)
        draft(coordinator(), shop_with_user("Negozio in bozza")[0])
        db.session.commit()
        db.session.remove()


def test_the_page_lists_only_shops_in_the_network_today(client, network):
    page = client.get("/rete-negozi/").get_data(as_text=True)

    assert "Sa Butega di Maria Pinna" in page and "Libreria Il Nuraghe" in page
    assert "Negozio sospeso" not in page and "Negozio in bozza" not in page
    assert "Via Tharros 25" in page and "Cabras" in page and "Oristano" in page


def test_the_page_filters_by_category_and_comune(client, network):
    by_category = client.get("/rete-negozi/?category=education").get_data(as_text=True)
    by_comune = client.get("/rete-negozi/?comune=095018").get_data(as_text=True)

    assert "Libreria Il Nuraghe" in by_category and "Sa Butega di Maria Pinna" not in by_category
    assert "Sa Butega di Maria Pinna" in by_comune and "Libreria Il Nuraghe" not in by_comune


def test_the_open_data_lists_the_same_outlets(client, network):
    as_csv = client.get("/rete-negozi/negozi.csv")
    as_json = client.get("/rete-negozi/negozi.json").get_json()

    assert as_csv.status_code == 200 and "Negozio sospeso" not in as_csv.get_data(as_text=True)
    assert sorted(row["shop"] for row in as_json) == ["Libreria Il Nuraghe", "Sa Butega di Maria Pinna"]
    assert client.get("/rete-negozi/negozi.xml").status_code == 404


def test_a_shop_leaves_the_page_on_the_day_its_suspension_starts(app, client, monkeypatch):
    monkeypatch.setattr(services, "today", lambda: TODAY)
    with app.test_request_context(), force_locale("it"):
        contract, _user, boss = active_contract(name="Bottega che chiude")
        services.suspend(contract, boss, "Chiusura", date(2026, 3, 20))
        db.session.remove()

    assert "Bottega che chiude" in client.get("/rete-negozi/").get_data(as_text=True)
    monkeypatch.setattr(services, "today", lambda: date(2026, 3, 20))
    assert "Bottega che chiude" not in client.get("/rete-negozi/").get_data(as_text=True)
