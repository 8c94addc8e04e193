"""Contracts: creation rules, sending for signature, the shop's signature through the signatures module,
suspension, reactivation and termination with their network periods."""

from __future__ import annotations

from datetime import date

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from app.extensions import db
from app.workflow import WorkflowError
from modules.shop_network.models import Contract, NetworkPeriod
from modules.shop_network.services import contracts as services
from modules.signatures.models import SignableDocument, SignatureRequest
from tests.modules.partners.factories import PartnerOrganisationFactory
from tests.modules.shop_network.contract_helpers import (
    TODAY,
    active_contract,
    coordinator,
    draft,
    platform,
    shop_with_user,
    sign_as,
)
from tests.modules.shop_network.factories import SettlementFactory


@pytest.fixture
def on_day(app, monkeypatch):
    """An Italian request context on TODAY (10 March 2026)."""
    monkeypatch.setattr(services, "today", lambda: TODAY)
    with app.test_request_context(), force_locale("it"):
        yield
        db.session.remove()


def periods(contract) -> list[tuple]:
    stmt = select(NetworkPeriod).where(NetworkPeriod.contract_id == contract.id).order_by(NetworkPeriod.starts_on)
    return [(p.starts_on, p.ends_on) for p in db.session.scalars(stmt)]


def test_coordinator_creates_a_draft_with_outlet_rate_and_accredited_platform(on_day):
    shop, _user = shop_with_user()
    provider = platform()

    contract = draft(coordinator(), shop, "3", platforms=[provider])

    assert contract.state == "draft"
    assert [p.id for p in contract.platforms] == [provider.id]
    assert [(o.name, o.comune_istat) for o in contract.outlets] == [("Sa Butega", "095018")]
    assert [(r.rate, r.effective_from, r.status) for r in contract.rates] == [(3, date(2026, 1, 1), "pending")]
    assert not services.in_network(shop.id, TODAY)


def test_a_platform_that_is_not_accredited_is_refused(on_day):
    shop, _user = shop_with_user()
    stranger = PartnerOrganisationFactory(type="provider", legal_name="Piattaforma non accreditata")

    with pytest.raises(services.ContractError, match="accreditata|accredited"):
        draft(coordinator(), shop, platforms=[stranger])


def test_an_organisation_has_one_live_contract(on_day):
    shop, _user = shop_with_user()
    boss = coordinator()
    draft(boss, shop, number="RN-1")

    with pytest.raises(services.ContractError):
        draft(boss, shop, number="RN-2")


def test_only_a_coordinator_creates_contracts(on_day):
    shop, user = shop_with_user()

    with pytest.raises(services.ContractError):
        draft(user, shop)


def test_sending_stores_the_pdf_once_and_asks_the_shop_to_sign(on_day, outbox):
    shop, _user = shop_with_user()
    boss = coordinator()
    contract = draft(boss, shop)

    services.send_for_signature(contract, boss)

    (document,) = db.session.scalars(select(SignableDocument).where(SignableDocument.owner_model == "Contract"))
    (request,) = document.requests
    assert contract.state == "sent"
    assert document.owner_id == contract.id and document.upload.content_type == "application/pdf"
    assert (request.organisation_id, request.permission, request.status) == (shop.id, "shop_network.sign", "pending")
    assert any("Sa Butega" in str(m["To"]) or "RN-" in str(m["Subject"]) for m in outbox)


def test_the_shop_signs_and_the_contract_becomes_active_with_an_open_period(on_day):
    contract, _user, _boss = active_contract()

    assert contract.state == "active" and contract.signed_at is not None
    assert [r.status for r in contract.rates] == ["signed"]
    assert periods(contract) == [(TODAY, None)]  # from the later of valid_from and the signature
    assert services.in_network(contract.organisation_id, TODAY)
    assert not services.in_network(contract.organisation_id, date(2026, 3, 9))
    assert services.rate_in_force(contract.organisation_id, TODAY) == 3


def test_another_organisation_cannot_sign_the_shop_contract(on_day):
    shop, _user = shop_with_user()
    _other, intruder = shop_with_user("Altro negozio")
    boss = coordinator()
    contract = draft(boss, shop)
    services.send_for_signature(contract, boss)

    from modules.signatures import services as signing

    with pytest.raises(signing.SigningRefused):
        sign_as(intruder, contract)
    assert db.session.get(Contract, contract.id).state == "sent"


def test_recalling_withdraws_the_signature_request(on_day):
    shop, _user = shop_with_user()
    boss = coordinator()
    contract = draft(boss, shop)
    services.send_for_signature(contract, boss)

    services.recall(contract, boss, "Manca un punto vendita")

    assert contract.state == "draft"
    assert db.session.scalar(select(SignatureRequest.status)) == "withdrawn"


def test_suspension_closes_the_period_and_reactivation_opens_a_new_one(on_day):
    contract, _user, boss = active_contract()

    services.suspend(contract, boss, "Controllo in corso", date(2026, 3, 20))
    assert contract.state == "suspended" and contract.suspended_from == date(2026, 3, 20)
    assert periods(contract) == [(TODAY, date(2026, 3, 19))]
    assert services.in_network(contract.organisation_id, date(2026, 3, 19))
    assert not services.in_network(contract.organisation_id, date(2026, 3, 20))

    services.reactivate(contract, boss, "Controllo concluso", date(2026, 4, 1))
    assert contract.state == "active"
    assert periods(contract) == [(TODAY, date(2026, 3, 19)), (date(2026, 4, 1), None)]
    assert not services.in_network(contract.organisation_id, date(2026, 3, 31))
    assert services.in_network(contract.organisation_id, date(2026, 4, 1))


def test_termination_accrues_nothing_from_its_day(on_day):
    contract, _user, boss = active_contract()

    services.terminate(contract, boss, "Cessata attività", date(2026, 5, 1))

    assert contract.state == "terminated" and contract.terminated_on == date(2026, 5, 1)
    assert periods(contract) == [(TODAY, date(2026, 4, 30))]
    assert not services.in_network(contract.organisation_id, date(2026, 5, 1))
    with pytest.raises(WorkflowError):
        services.reactivate(contract, boss, "Ripensamento", date(2026, 6, 1))


def test_a_terminated_contract_lets_the_organisation_sign_a_new_one(on_day):
    contract, _user, boss = active_contract()
    services.terminate(contract, boss, "Nuove condizioni", date(2026, 4, 1))

    again = draft(boss, contract.organisation, number="RN-NUOVO", valid_from=date(2026, 4, 1))

    assert again.state == "draft"


def test_a_change_in_the_past_needs_the_coordinator_to_say_so(on_day):
    contract, _user, boss = active_contract()

    with pytest.raises(services.ContractError, match="passato|past"):
        services.suspend(contract, boss, "Ritardo", date(2026, 3, 1))
    services.suspend(contract, boss, "Ritardo", date(2026, 3, 12), allow_past=False)
    assert periods(contract) == [(TODAY, date(2026, 3, 11))]


def test_nothing_changes_inside_a_settled_month_even_in_the_past(on_day):
    contract, _user, boss = active_contract()
    SettlementFactory(kind="shop", organisation=contract.organisation, month=date(2026, 3, 1), state="confirmed")

    with pytest.raises(services.ContractError, match="31/03/2026"):
        services.suspend(contract, boss, "Errore", date(2026, 3, 25), allow_past=True)
    assert db.session.get(Contract, contract.id).state == "active"


def test_a_suspension_before_the_period_starts_removes_it(on_day):
    contract, _user, boss = active_contract()

    services.suspend(contract, boss, "Mai partito", TODAY)

    assert periods(contract) == []
