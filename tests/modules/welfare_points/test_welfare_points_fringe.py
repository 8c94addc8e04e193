"""Fringe-benefit check (art. 51 c.3 TUIR, 2025–2027): €1,000, €2,000 with dependent children; above the
limit the whole amount is taxable — a warning, never a block. Limits are data per year."""

from __future__ import annotations

from decimal import Decimal

import pytest

from app.extensions import db
from modules.welfare_points import services
from tests.factories import csrf_token, login, make_user
from tests.modules.welfare_points.factories import seeded_limit

D = Decimal


@pytest.fixture
def limits(app, ctx):
    return seeded_limit(2026)


def test_the_limits_of_2025_to_2027_are_seeded(limits):
    for year in (2025, 2026, 2027):
        found = seeded_limit(year)
        assert (found.base_limit, found.children_limit) == (D("1000.00"), D("2000.00"))


def test_exactly_one_thousand_is_within_the_limit(limits):
    check = services.check_fringe(2026, [D("600.00")], D("400.00"), has_children=False)
    assert check.total == D("1000.00") and not check.is_over and check.taxable == D("0.00")


def test_one_cent_more_makes_the_whole_amount_taxable(limits):
    check = services.check_fringe(2026, [D("600.00")], D("400.01"), has_children=False)
    assert check.is_over and check.taxable == D("1000.01")


def test_with_dependent_children_the_limit_is_two_thousand(limits):
    assert not services.check_fringe(2025, [D("1500.00")], D("500.00"), has_children=True).is_over
    assert services.check_fringe(2025, [D("1500.00")], D("500.01"), has_children=True).is_over


def test_a_year_without_limits_gives_a_clear_message(limits, italian):
    with pytest.raises(services.NoLimits, match="2028"):
        services.check_fringe(2028, [], D("10.00"), has_children=False)


def test_italian_amounts_are_parsed_exactly(italian):
    assert services.parse_amounts("1.234,56\n 250,00 ; 0,44\n\n") == [D("1234.56"), D("250.00"), D("0.44")]
    with pytest.raises(ValueError, match="1.234,56"):
        services.parse_amount("12,345")
    with pytest.raises(ValueError):
        services.parse_amount("-5")


def test_a_coordinator_changes_a_years_limit_as_data(limits):
    limits.base_limit = D("3000.00")
    db.session.commit()
    assert not services.check_fringe(2026, [D("2999.99")], D("0.01"), has_children=False).is_over
    limits.base_limit = D("1000.00")  # reference data outlives the test: put it back
    db.session.commit()


def _check(client, **data):
    form = {"csrf_token": csrf_token(client, "/admin/welfare_points_fringe/"), **data}
    return client.post("/admin/welfare_points_fringe/", data=form).get_data(as_text=True)


def test_the_operator_sees_a_warning_and_is_not_blocked(app, client):
    with app.app_context():
        login(client, make_user("operator"))
    page = _check(client, year="2026", received="600,00", new_amount="400,01")
    assert "limite è superato" in page and "€ 1.000,01" in page
    page = _check(client, year="2026", received="600,00\n200,00", new_amount="200,00")
    assert "Entro il limite" in page
    page = _check(client, year="2026", received="1.500,00", new_amount="500,00", has_children="y")
    assert "Entro il limite" in page
    assert "Nessun limite" in _check(client, year="2029", received="", new_amount="10,00")


def test_auditors_and_shops_cannot_use_the_check(app, client):
    with app.app_context():
        login(client, make_user("auditor"))
    assert client.get("/admin/welfare_points_fringe/").status_code == 403
    shop = app.test_client()
    with app.app_context():
        login(shop, make_user("shop"))
    assert shop.get("/admin/welfare_points_fringe/").status_code == 403


