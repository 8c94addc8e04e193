"""Builders for the settlement scenarios: a network shop with its rates, an accredited provider with its
shared-value percentage, transactions on given days, the fund the settlements post to."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal

from app.extensions import db
from modules.funds import services as funds
from modules.partners.models import PartnerOrganisation
from modules.shop_network.models import Contract, Rate, Transaction
from tests.modules.accreditation.factories import AccreditationPeriodFactory, ApplicationFactory, seeded_scheme
from tests.modules.partners.factories import PartnerOrganisationFactory
from tests.modules.shop_network.factories import ContractFactory, NetworkPeriodFactory, RateFactory, TransactionFactory

MARCH = date(2026, 3, 1)
APRIL = date(2026, 4, 1)


def network_shop(name: str = "Sa Butega", rate: str = "3.0000", since: date = date(2026, 1, 1)) -> PartnerOrganisation:
    """A shop with an active contract, a signed rate from `since` and an open network period."""
    contract = ContractFactory(organisation=PartnerOrganisationFactory(type="shop", legal_name=name),
                               state="active", valid_from=since)
    RateFactory(contract=contract, rate=Decimal(rate), effective_from=since, status="signed")
    NetworkPeriodFactory(contract=contract, starts_on=since)
    return contract.organisation


def new_rate(shop: PartnerOrganisation, rate: str, effective_from: date, status: str = "signed") -> Rate:
    contract = db.session.query(Contract).filter_by(organisation_id=shop.id).first()
    return RateFactory(contract=contract, rate=Decimal(rate), effective_from=effective_from, status=status)


def accredited_provider(name: str = "Welfare Più", percent: str = "2.0000") -> PartnerOrganisation:
    """A welfare platform accredited under the scheme "provider" for 2026 with a shared-value percentage."""
    application = ApplicationFactory(organisation=PartnerOrganisationFactory(type="provider", legal_name=name),
                                     scheme=seeded_scheme("provider"), state="approved",
                                     shared_value_percent=Decimal(percent), starts_on=date(2026, 1, 1),
                                     valid_until=date(2026, 12, 31))
    AccreditationPeriodFactory(application=application, starts_on=date(2026, 1, 1), ends_on=date(2026, 12, 31))
    return application.organisation


def sale(shop, provider, amount: str, day: date, kind: str = "purchase", tx_id: str | None = None,
         **kwargs) -> Transaction:
    """A purchase (or refund) of `amount` euros at `shop` through `provider` on `day` at 11:00."""
    extra = {"provider_tx_id": tx_id} if tx_id else {}
    return TransactionFactory(organisation=shop, provider=provider, amount=Decimal(amount), kind=kind,
                              occurred_on=day, occurred_at=datetime.combine(day, time(10, 0), tzinfo=UTC),
                              **extra, **kwargs)


def network_fund():
    return funds.open_fund("Fondo welfare del distretto")
