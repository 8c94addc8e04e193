"""Builders for the contract tests: a fixed "today", an accredited platform, a shop with its user, a draft
contract made through the services, and signing it as the shop does (FES through the signatures module)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from app.extensions import db
from modules.shop_network.models import Contract
from modules.shop_network.services import contracts as services
from modules.signatures import services as signing
from tests.factories import PASSWORD, make_user
from tests.modules.accreditation.factories import AccreditationPeriodFactory, ApplicationFactory, seeded_scheme
from tests.modules.partners.factories import PartnerOrganisationFactory
from tests.modules.shop_network.factories import seeded_category

TODAY = date(2026, 3, 10)


def platform(name: str = "Welfare Più S.r.l."):
    """A welfare platform accredited under the scheme "provider" for 2026."""
    application = ApplicationFactory(organisation=PartnerOrganisationFactory(type="provider", legal_name=name),
                                     scheme=seeded_scheme("provider"), state="approved",
                                     shared_value_percent=Decimal("2"), starts_on=date(2026, 1, 1),
                                     valid_until=date(2026, 12, 31))
    AccreditationPeriodFactory(application=application, starts_on=date(2026, 1, 1), ends_on=date(2026, 12, 31))
    return application.organisation


def shop_with_user(name: str = "Sa Butega di Maria Pinna", comune: str = "095018"):
    shop = PartnerOrganisationFactory(type="shop", legal_name=name, comune_istat=comune)
    return shop, make_user("shop", organisation=shop, full_name="Maria Pinna")


def coordinator():
    return make_user("coordinator", full_name="Giulia Coordinatrice")


def draft(user, shop, rate: str = "3", valid_from: date = date(2026, 1, 1), number: str | None = None,
          platforms=(), comune: str = "095018", categories=("food",)) -> Contract:
    return services.create_contract(
        user, shop.id, number or f"RN-2026-{shop.id:04d}", valid_from, rate,
        category_ids=[seeded_category(key).id for key in categories], platform_ids=[p.id for p in platforms],
        outlets=[services.OutletData("Sa Butega", comune, "Via Tharros 25", "09072")])


def sign_as(user, record) -> None:
    """The shop's user signs the pending request on `record` (contract or rate) with FES."""
    (request,) = services.pending_requests(record)
    signing.sign_fes(request, user, PASSWORD, True, signing.Client("192.0.2.1", "pytest"))
    db.session.expire_all()


def active_contract(rate: str = "3", name: str = "Sa Butega di Maria Pinna", comune: str = "095018"):
    """(contract, shop user, coordinator): sent, signed by the shop, active from 1 January (today = TODAY)."""
    boss = coordinator()
    shop, user = shop_with_user(name, comune)
    contract = draft(boss, shop, rate, platforms=[platform(f"Piattaforma di {name}")], comune=comune)
    services.send_for_signature(contract, boss)
    sign_as(user, contract)
    return db.session.get(Contract, contract.id), user, boss
