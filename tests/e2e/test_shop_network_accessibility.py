"""The shop network's public page and the shop portal pass axe-core (nothing serious or critical) and the
CSP blocks nothing on them."""

from __future__ import annotations

import pytest

from modules.shop_network.services import contracts as services
from tests.modules.shop_network.contract_helpers import TODAY, active_contract


@pytest.fixture
def shop_in_network(app, monkeypatch):
    """Sa Butega, active in the network since 1 January, and its user's e-mail."""
    monkeypatch.setattr(services, "today", lambda: TODAY)
    with app.app_context():
        _contract, user, _boss = active_contract()
        return user.email


def test_the_public_network_page_is_accessible(page, shop_in_network, assert_accessible):
    page.goto("/rete-negozi/")

    assert page.get_by_text("Sa Butega").first.is_visible()
    assert_accessible()


def test_the_shop_portal_is_accessible(page, sign_in, shop_in_network, assert_accessible):
    sign_in(shop_in_network)

    page.goto("/rete-negozi/portale/")
    assert page.locator("h1").first.is_visible()
    assert_accessible()
    page.goto("/rete-negozi/portale/transazioni")
    assert_accessible()
