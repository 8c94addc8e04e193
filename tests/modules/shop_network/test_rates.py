"""Rate amendments: a new rate starts only after the last settled month, applies once the shop signs it, and
never changes an earlier day (DOMAIN.md scenario 1: 4% from 15 April leaves March at 3%)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from app.extensions import db
from modules.shop_network.services import contracts as services
from modules.signatures.models import SignableDocument
from tests.modules.shop_network.contract_helpers import TODAY, active_contract, sign_as
from tests.modules.shop_network.factories import SettlementFactory

APRIL_15 = date(2026, 4, 15)


@pytest.fixture
def on_day(app, monkeypatch):
    monkeypatch.setattr(services, "today", lambda: TODAY)
    with app.test_request_context(), force_locale("it"):
        yield
        db.session.remove()


def test_the_15_april_change_applies_from_15_april_once_signed(on_day):
    contract, shop_user, boss = active_contract("3")

    amendment = services.propose_rate(contract, boss, "4", APRIL_15, "Nuovo accordo")
    assert amendment.status == "pending"
    assert services.rate_in_force(contract.organisation_id, APRIL_15) == Decimal("3")  # not signed yet

    sign_as(shop_user, amendment)

    shop = contract.organisation_id
    assert services.rate_in_force(shop, date(2026, 4, 14)) == Decimal("3")
    assert services.rate_in_force(shop, APRIL_15) == Decimal("4")
    assert services.rate_in_force(shop, date(2026, 3, 31)) == Decimal("3")  # March never changes
    assert [(r.rate, r.effective_from, r.status) for r in services.rate_history(contract)] == [
        (Decimal("3"), date(2026, 1, 1), "signed"), (Decimal("4"), APRIL_15, "signed")]


def test_the_amendment_is_a_document_the_shop_signs(on_day):
    contract, _shop_user, boss = active_contract()

    amendment = services.propose_rate(contract, boss, "4", APRIL_15)

    (document,) = db.session.scalars(select(SignableDocument).where(SignableDocument.owner_model == "Rate"))
    assert document.owner_id == amendment.id
    assert [(r.organisation_id, r.status) for r in document.requests] == [(contract.organisation_id, "pending")]


def test_a_rate_cannot_start_inside_or_before_the_last_confirmed_month(on_day):
    contract, _shop_user, boss = active_contract()
    SettlementFactory(kind="shop", organisation=contract.organisation, month=date(2026, 3, 1), state="confirmed")

    with pytest.raises(services.ContractError, match="31/03/2026"):
        services.propose_rate(contract, boss, "4", date(2026, 3, 20))
    assert services.earliest_amendment_day(contract) == date(2026, 4, 1)
    assert services.propose_rate(contract, boss, "4", date(2026, 4, 1)).status == "pending"


def test_a_paid_or_requested_month_counts_as_settled_but_a_draft_does_not(on_day):
    contract, _shop_user, boss = active_contract()
    SettlementFactory(kind="shop", organisation=contract.organisation, month=date(2026, 4, 1), state="draft")
    SettlementFactory(kind="shop", organisation=contract.organisation, month=date(2026, 3, 1), state="paid")

    assert services.last_settled_day(contract.organisation_id) == date(2026, 3, 31)


def test_a_rate_never_starts_in_the_past(on_day):
    contract, _shop_user, boss = active_contract()

    with pytest.raises(services.ContractError):
        services.propose_rate(contract, boss, "4", date(2026, 3, 1))


def test_a_signature_after_the_month_was_settled_does_not_apply(on_day):
    contract, shop_user, boss = active_contract()
    amendment = services.propose_rate(contract, boss, "4", APRIL_15)
    SettlementFactory(kind="shop", organisation=contract.organisation, month=date(2026, 4, 1), state="confirmed")

    sign_as(shop_user, amendment)

    assert db.session.get(type(amendment), amendment.id).status == "withdrawn"
    assert services.rate_in_force(contract.organisation_id, APRIL_15) == Decimal("3")


def test_one_amendment_at_a_time_and_it_can_be_withdrawn(on_day):
    contract, _shop_user, boss = active_contract()
    first = services.propose_rate(contract, boss, "4", APRIL_15)

    with pytest.raises(services.ContractError):
        services.propose_rate(contract, boss, "5", date(2026, 5, 1))
    services.withdraw_rate(first, boss)

    assert first.status == "withdrawn"
    assert services.pending_requests(first) == []
    assert services.propose_rate(contract, boss, "4,5", APRIL_15).rate == Decimal("4.5")


@pytest.mark.parametrize("value", ["-1", "101", "3.12345", "tre"])
def test_a_rate_is_a_percentage_with_at_most_four_decimals(on_day, value):
    with pytest.raises(services.ContractError):
        services.parse_rate(value)


def test_rate_periods_give_each_signed_rate_its_days_for_set_based_settlement(on_day):
    contract, shop_user, boss = active_contract()
    sign_as(shop_user, services.propose_rate(contract, boss, "4", APRIL_15))

    periods = services.rate_periods()
    rows = db.session.execute(select(periods.c.rate, periods.c.effective_from, periods.c.effective_to)
                              .where(periods.c.organisation_id == contract.organisation_id)
                              .order_by(periods.c.effective_from)).all()

    assert [tuple(row) for row in rows] == [(Decimal("3"), date(2026, 1, 1), APRIL_15), (Decimal("4"), APRIL_15, None)]
