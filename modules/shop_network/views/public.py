"""The public network page (no login): the shops in the network today, by comune, filterable by category and
comune, with their outlets; and the same list as open data (CSV, JSON). No map: no external tile servers."""

from __future__ import annotations

from collections import defaultdict

from flask import abort, render_template, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.documents import send_export
from app.extensions import db
from app.public import public_link
from modules.partners.models import Comune

from ..models import ShopCategory
from ..services import contracts as services
from . import bp

public_link(bp, "shop_network.public_list", _l("Shop network"),
            _l("Shops, artisans and third-sector bodies that accept welfare credit, by comune and category."),
            order=35)

DATA_COLUMNS = [("shop", _l("Shop")), ("partita_iva", _l("VAT number")), ("outlet", _l("Outlet")),
                ("street", _l("Address")), ("cap", _l("CAP")), ("comune", _l("Comune")),
                ("province", _l("Province")), ("categories", _l("Categories")), ("platforms", _l("Accepted platforms"))]


def _args() -> dict:
    return {key: request.args.get(key, "").strip()[:80] for key in ("category", "comune", "q")}


def _outlets(contracts, comune: str | None):
    """(contract, outlet) pairs of the active outlets, in one comune if asked."""
    return [(c, o) for c in contracts for o in c.outlets if o.is_active and (not comune or o.comune_istat == comune)]


def _by_comune(pairs) -> list[tuple[Comune, list]]:
    groups: dict[str, list] = defaultdict(list)
    comuni = {}
    for contract, outlet in pairs:
        groups[outlet.comune_istat].append((contract, outlet))
        comuni[outlet.comune_istat] = outlet.comune
    order = sorted(groups, key=lambda code: comuni[code].name if comuni[code] else code)
    return [(comuni[code], sorted(groups[code], key=lambda p: (p[0].organisation.legal_name, p[1].name)))
            for code in order]


def _network_comuni(contracts) -> list[Comune]:
    codes = {o.comune_istat for c in contracts for o in c.outlets if o.is_active}
    return list(db.session.scalars(select(Comune).where(Comune.istat_code.in_(codes)).order_by(Comune.name)))


@bp.get("/")
def public_list():
    args = _args()
    day = services.today()
    contracts = services.network_contracts(day, args["category"] or None, args["comune"] or None, args["q"] or None)
    categories = db.session.scalars(select(ShopCategory).where(ShopCategory.is_active.is_(True))
                                    .order_by(ShopCategory.sort_order)).all()
    return render_template("shop_network/network_public.html", groups=_by_comune(_outlets(contracts, args["comune"])),
                           shops=len(contracts), args=args, categories=categories,
                           comuni=_network_comuni(services.network_contracts(day)), day=day)


@bp.get("/negozi.<fmt>")
def public_data(fmt: str):
    if fmt not in ("csv", "json"):
        abort(404)
    args = _args()
    contracts = services.network_contracts(services.today(), args["category"] or None, args["comune"] or None,
                                           args["q"] or None)
    rows = [{"shop": c.organisation.legal_name, "partita_iva": c.organisation.partita_iva, "outlet": o.name,
             "street": o.street, "cap": o.cap, "comune": o.comune.name if o.comune else o.comune_istat,
             "province": o.comune.province_code if o.comune else None,
             "categories": ", ".join(cat.name_it for cat in c.categories),
             "platforms": ", ".join(p.legal_name for p in c.platforms)}
            for c, o in _outlets(contracts, args["comune"])]
    return send_export(rows, [(key, str(label)) for key, label in DATA_COLUMNS], fmt, "rete-negozi")
