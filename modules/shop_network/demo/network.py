"""Demo shop network (`flask district demo`): four shops of the Oristano area with active contracts, outlets,
categories, the accredited demo platforms and their network periods; idempotent (an organisation that has a
contract is left alone). "Sa Butega" (3%) is the demo shop user's organisation."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import select

from app.extensions import db
from modules.accreditation import accredited_organisation_ids
from modules.partners.models import PartnerOrganisation

from ..models import Contract, NetworkPeriod, Outlet, Rate, ShopCategory
from ..services.contracts import PROVIDER_SCHEME, today

ORISTANO, CABRAS, TERRALBA, SANTA_GIUSTA = "095038", "095018", "095065", "095047"
DEMO_PROVIDERS = ("Welfare Platform Demo S.r.l.", "Welfaria Italia S.r.l.")

SHOPS = [  # organisation, number, rate, categories, outlets (name, street, cap, comune)
    ("Sa Butega di Maria Pinna", "RN-DEMO-0001", "3", ("food", "crafts"),
     [("Sa Butega", "Via Tharros 25", "09072", CABRAS), ("Sa Butega Oristano", "Via Cagliari 12", "09170", ORISTANO)]),
    ("Panificio Su Civraxiu di Efisio Serra", "RN-DEMO-0002", "2.5", ("food",),
     [("Panificio Su Civraxiu", "Via Roma 88", "09098", TERRALBA)]),
    ("Libreria Il Nuraghe S.n.c.", "RN-DEMO-0003", "3", ("education", "culture"),
     [("Libreria Il Nuraghe", "Corso Umberto I 40", "09170", ORISTANO)]),
    ("Farmacia Santa Giusta S.n.c.", "RN-DEMO-0004", "2", ("health", "personal_care"),
     [("Farmacia Santa Giusta", "Via Giovanni XXIII 2", "09096", SANTA_GIUSTA)]),
]


def _platforms() -> list[PartnerOrganisation]:
    ids = accredited_organisation_ids(PROVIDER_SCHEME, today())
    stmt = select(PartnerOrganisation).where(PartnerOrganisation.id.in_(ids)) if ids else (
        select(PartnerOrganisation).where(PartnerOrganisation.legal_name.in_(DEMO_PROVIDERS)))
    return list(db.session.scalars(stmt))


def _contract(organisation: PartnerOrganisation, number: str, rate: str, categories, outlets, platforms) -> None:
    start = date(today().year, 1, 1)
    signed_at = datetime.combine(start, datetime.min.time(), tzinfo=UTC)
    contract = Contract(number=number, organisation=organisation, valid_from=start, state="active",
                        signed_at=signed_at, platforms=platforms,
                        categories=list(db.session.scalars(select(ShopCategory).where(ShopCategory.key.in_(categories)))))
    contract.outlets = [Outlet(name=name, street=street, cap=cap, comune_istat=comune)
                        for name, street, cap, comune in outlets]
    contract.rates = [Rate(rate=Decimal(rate), effective_from=start, status="signed", signed_at=signed_at)]
    db.session.add(contract)
    db.session.flush()
    db.session.add(NetworkPeriod(contract_id=contract.id, organisation_id=organisation.id, starts_on=start))


def load() -> None:
    platforms = _platforms()
    for legal_name, number, rate, categories, outlets in SHOPS:
        organisation = db.session.scalar(select(PartnerOrganisation)
                                         .where(PartnerOrganisation.legal_name == legal_name))
        if organisation is None or db.session.scalar(select(Contract.id).where(
                (Contract.organisation_id == organisation.id) | (Contract.number == number)).limit(1)):
            continue
        _contract(organisation, number, rate, categories, outlets, platforms)
    db.session.commit()
