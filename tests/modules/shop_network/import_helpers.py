"""Helpers of the import tests: network shops, providers, CSV files and running an import."""

from __future__ import annotations

import io
from datetime import date

from app.extensions import db
from modules.shop_network.models import ImportBatch
from modules.shop_network.services import importing
from tests.factories import make_user
from tests.modules.partners.factories import PartnerOrganisationFactory
from tests.modules.shop_network.factories import ContractFactory, NetworkPeriodFactory


def network_shop(starts_on: date = date(2026, 1, 1), ends_on: date | None = None, **organisation):
    """A shop with an active contract, in the network from `starts_on` (to `ends_on`, inclusive)."""
    shop = PartnerOrganisationFactory(type="shop", **organisation)
    contract = ContractFactory(organisation=shop, state="active", valid_from=starts_on)
    NetworkPeriodFactory(contract=contract, organisation_id=shop.id, starts_on=starts_on, ends_on=ends_on)
    return shop


def provider_org(**kwargs):
    return PartnerOrganisationFactory(**{"type": "provider", **kwargs})


def provider_user(provider=None):
    return make_user("provider", organisation=provider or provider_org())


def csv_bytes(header: list[str], rows: list[list[str]], sep: str = ";", bom: bool = True) -> bytes:
    lines = [sep.join(header), *(sep.join(row) for row in rows)]
    return ("\ufeff" if bom else "").encode() + ("\r\n".join(lines) + "\r\n").encode("utf-8")


def import_bytes(provider, data: bytes, *, keep: bool = False, user=None, filename: str = "transazioni.csv"):
    batch = importing.start_import(io.BytesIO(data), provider.id, keep, user, filename=filename)
    return db.session.get(ImportBatch, batch.id)


IT_HEADER = ["ID transazione", "Data", "Partita IVA", "Importo", "Tipo", "Rimborso di", "Categoria", "Modalità"]
EN_HEADER = ["transaction_id", "date", "time", "vat_number", "amount", "kind", "refund_of", "category",
             "redemption"]
