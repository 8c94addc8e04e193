"""The public catalogue (no login): search and filters by category, comune and welfare-eligibility,
offer pages with the next free slots."""

from __future__ import annotations

import pytest

from app.demo import users as demo_users
from app.extensions import db
from modules.catalog import services
from modules.catalog.dates import today
from modules.catalog.demo import offers as demo
from modules.catalog.models import Offer, Slot
from modules.partners.demo import organisations as partner_demo
from modules.partners.models import Comune
from tests.factories import make_user
from tests.modules.catalog.factories import seeded_category
from tests.modules.catalog.helpers import accredited_offer


@pytest.fixture
def offers(app, ctx, storage):
    oristano, cabras = db.session.get(Comune, "095038"), db.session.get(Comune, "095018")
    care, _slot, _user, _app = accredited_offer(title_it="Badante a ore", category=seeded_category("elderly_care"),
                                                is_welfare_eligible=True)
    care.comuni = [oristano]
    sport, _slot, _user, _app = accredited_offer(title_it="Corso di nuoto", category=seeded_category("sport_leisure"),
                                                 is_welfare_eligible=False)
    sport.comuni = [cabras]
    draft, _slot, _user, _app = accredited_offer(title_it="Bozza non pubblicata", status="draft")
    db.session.commit()
    return care, sport, draft


def _titles(client, query: str = "") -> str:
    return client.get(f"/catalogo/{query}").get_data(as_text=True)


def test_filters_by_category_comune_and_welfare(offers, client):
    page = _titles(client)
    assert "Badante a ore" in page and "Corso di nuoto" in page and "Bozza non pubblicata" not in page
    assert "Corso di nuoto" not in _titles(client, "?category=elderly_care")
    assert "Badante a ore" not in _titles(client, "?comune=095018")
    assert "Badante a ore" in _titles(client, "?welfare=1") and "Corso di nuoto" not in _titles(client, "?welfare=1")
    assert "Badante a ore" not in _titles(client, "?q=nuoto")


def test_the_offer_page_shows_price_and_next_free_slots(offers, client):
    care, _sport, draft = offers
    services.book(care.slots[0], services.openings(care, today())[0].day, make_user("operator"), today(),
                  anonymous_code="P-1")
    page = client.get(f"/catalogo/offerta/{care.id}").get_data(as_text=True)
    assert "Badante a ore" in page and "25,00" in page and "1 posto libero" in page
    assert client.get(f"/catalogo/offerta/{draft.id}").status_code == 404


def test_the_catalogue_is_listed_on_the_public_home(app, client):
    assert "/catalogo/" in client.get("/").get_data(as_text=True)


def test_the_public_api_lists_the_same_offers_with_exact_prices(offers, client):
    items = client.get("/api/v1/public/catalog?welfare=1").get_json()["items"]
    assert [(item["title_it"], item["price_from"]) for item in items] == [("Badante a ore", "25.00")]


def test_the_demo_loads_the_cooperatives_offers_once(app, ctx):
    demo_users.load()
    partner_demo.load()
    db.session.commit()
    demo.load()
    demo.load()  # idempotent
    assert db.session.query(Offer).count() == 2 and db.session.query(Slot).count() == 4
