"""Factories of the shop network's models (registered in tests/factories.py `factories()`).

Each default row belongs to a fresh organisation (the authorization matrix needs "someone else's" row);
categories are reference data and are reused, never added.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal

import factory
from sqlalchemy import select

from app.extensions import db
from modules.shop_network.models import (
    Contract,
    ImportBatch,
    ImportProblem,
    NetworkPeriod,
    Outlet,
    OutsideRow,
    ProviderMapping,
    Rate,
    Settlement,
    ShopCategory,
    Transaction,
)
from tests.factories import BaseFactory
from tests.modules.partners.factories import PartnerOrganisationFactory


def seeded_category(key: str = "food") -> ShopCategory | None:
    return db.session.scalar(select(ShopCategory).where(ShopCategory.key == key))


class ShopCategoryFactory(BaseFactory):
    class Meta:
        model = ShopCategory
        sqlalchemy_get_or_create = ("key",)

    key = "food"
    name_it = "Alimentari"
    name_en = "Food and groceries"


class ContractFactory(BaseFactory):
    class Meta:
        model = Contract

    number = factory.Sequence(lambda n: f"RN-2026-{n:04d}")
    organisation = factory.SubFactory(PartnerOrganisationFactory, type="shop")
    valid_from = date(2026, 1, 1)
    state = "draft"


class OutletFactory(BaseFactory):
    class Meta:
        model = Outlet

    contract = factory.SubFactory(ContractFactory)
    name = factory.Sequence(lambda n: f"Punto vendita {n}")
    street = "Via Garibaldi 3"
    cap = "09170"
    comune_istat = "095038"  # Oristano


class RateFactory(BaseFactory):
    class Meta:
        model = Rate

    contract = factory.SubFactory(ContractFactory)
    rate = Decimal("3.0000")
    effective_from = date(2026, 1, 1)
    status = "signed"


class NetworkPeriodFactory(BaseFactory):
    class Meta:
        model = NetworkPeriod

    contract = factory.SubFactory(ContractFactory, state="active")
    organisation_id = factory.LazyAttribute(lambda o: o.contract.organisation_id)
    starts_on = date(2026, 1, 1)



class ProviderMappingFactory(BaseFactory):
    class Meta:
        model = ProviderMapping

    provider = factory.SubFactory(PartnerOrganisationFactory, type="provider")
    columns = factory.LazyFunction(lambda: {"provider_tx_id": "ID", "amount": "Importo"})


class ImportBatchFactory(BaseFactory):
    class Meta:
        model = ImportBatch

    provider = factory.SubFactory(PartnerOrganisationFactory, type="provider")
    source = "upload"
    filename = factory.Sequence(lambda n: f"transazioni-{n}.csv")
    status = "imported"


class ImportProblemFactory(BaseFactory):
    class Meta:
        model = ImportProblem

    batch_id = factory.LazyFunction(lambda: ImportBatchFactory().id)
    row_number = 2
    provider_tx_id = "T-1"
    column = "amount"
    code = "bad_amount"
    value = "12,345"


class TransactionFactory(BaseFactory):
    """A purchase at a fresh shop from a fresh provider, on 10 March 2026 at noon."""

    class Meta:
        model = Transaction

    id = factory.Sequence(lambda n: n + 1)  # imports number theirs from (batch id << 32): no overlap
    provider = factory.SubFactory(PartnerOrganisationFactory, type="provider")
    organisation = factory.SubFactory(PartnerOrganisationFactory, type="shop")
    provider_tx_id = factory.Sequence(lambda n: f"T-{n:06d}")
    occurred_on = date(2026, 3, 10)
    occurred_at = factory.LazyAttribute(lambda o: datetime.combine(o.occurred_on, time(11, 0), tzinfo=UTC))
    partita_iva = factory.LazyAttribute(lambda o: o.organisation.partita_iva)
    amount = Decimal("100.00")
    kind = "purchase"


class OutsideRowFactory(BaseFactory):
    class Meta:
        model = OutsideRow

    provider = factory.SubFactory(PartnerOrganisationFactory, type="provider")
    provider_tx_id = factory.Sequence(lambda n: f"X-{n:06d}")
    partita_iva = "00000000000"
    occurred_on = date(2026, 3, 10)
    amount = Decimal("10.00")
    kind = "purchase"


class SettlementFactory(BaseFactory):
    class Meta:
        model = Settlement

    kind = "shop"
    organisation = factory.SubFactory(PartnerOrganisationFactory, type="shop")
    month = date(2026, 3, 1)
    state = "draft"
    payment_reference = factory.Sequence(lambda n: f"RN-TEST-{n:06d}")


def shop_network_factories() -> dict:
    return {ShopCategory: ShopCategoryFactory, Contract: ContractFactory, Outlet: OutletFactory, Rate: RateFactory,
            NetworkPeriod: NetworkPeriodFactory, ProviderMapping: ProviderMappingFactory,
            ImportBatch: ImportBatchFactory, ImportProblem: ImportProblemFactory, Transaction: TransactionFactory,
            OutsideRow: OutsideRowFactory, Settlement: SettlementFactory}
