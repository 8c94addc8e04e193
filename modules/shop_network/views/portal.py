"""The shop's portal: its own contract (with the documents to sign), rate history, outlets, and its welfare
transactions (paged, filtered, exportable). Everything is read through the record rules (`scoped`)."""

from __future__ import annotations

import re
from datetime import date
from functools import wraps

from flask import abort, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, select
from werkzeug.routing import BuildError

from app.admin import current_admin
from app.documents import send_export
from app.extensions import db, login_manager
from app.security import can, scoped
from modules.partners.models import PartnerOrganisation
from modules.signatures import services as signing

from ..models import RATE_STATUSES, REDEMPTIONS, TRANSACTION_KINDS, Contract, Transaction
from ..services import contracts as services
from . import bp

PAGE_SIZE = 50
EXPORT_MAX_ROWS = 100_000
MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def shop_portal(view):
    """Signed-in users of an organisation that may read contracts (the shop role)."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if current_user.organisation_id is None or not can(current_user, Contract, "read"):
            abort(403)
        return view(*args, **kwargs)

    return wrapper


def statements_url() -> str | None:
    """The statements' list (settlement part), if that page exists."""
    try:
        return url_for("shop_network.statements")
    except BuildError:
        return None


def _own_contracts() -> list[Contract]:
    return list(db.session.scalars(scoped(Contract, "read", current_user).order_by(Contract.id.desc())))


def _to_sign(contract: Contract) -> list:
    user = current_user._get_current_object()
    found = services.pending_requests(contract) + [r for rate in contract.rates
                                                    for r in services.pending_requests(rate)]
    here = url_for("shop_network.portal")
    return [(r, signing.sign_url(r, here)) for r in found if signing.may_sign(user, r)]


@bp.get("/portale/")
@shop_portal
def portal():
    contracts = _own_contracts()
    contract = contracts[0] if contracts else None
    context = {"contract": contract, "earlier": contracts[1:], "statements_url": statements_url(),
               "statuses": RATE_STATUSES, "today": services.today()}
    if contract is not None:
        context.update(rates=services.rate_history(contract), to_sign=_to_sign(contract),
                       rate_today=services.rate_in_force(contract, services.today()),
                       in_network=services.in_network(contract.organisation_id, services.today()),
                       documents=services.documents_for(contract) + [d for r in contract.rates
                                                                     for d in services.documents_for(r)])
    return current_admin().index_view.render("shop_network/portal.html", **context)


# Transactions ---------------------------------------------------------------------------------------------
def _filters() -> dict:
    args = {key: request.args.get(key, "").strip() for key in ("month", "provider", "kind")}
    if not MONTH.match(args["month"]):
        args["month"] = ""
    if not args["provider"].isdigit():
        args["provider"] = ""
    if args["kind"] not in TRANSACTION_KINDS:
        args["kind"] = ""
    return args


def _month_bounds(value: str) -> tuple[date, date] | None:
    match = MONTH.match(value)
    if not match:
        return None
    year, month = int(match.group(1)), int(match.group(2))
    if not 1 <= month <= 12:
        return None
    start = date(year, month, 1)
    return start, date(year + month // 12, month % 12 + 1, 1)


def _transactions(args: dict):
    stmt = scoped(select(Transaction), "read", current_user).where(
        Transaction.organisation_id == current_user.organisation_id)
    bounds = _month_bounds(args["month"])
    if bounds:
        stmt = stmt.where(Transaction.occurred_on >= bounds[0], Transaction.occurred_on < bounds[1])
    if args["provider"]:
        stmt = stmt.where(Transaction.provider_id == int(args["provider"]))
    if args["kind"]:
        stmt = stmt.where(Transaction.kind == args["kind"])
    return stmt


def _providers() -> list[PartnerOrganisation]:
    own = scoped(select(Transaction.provider_id), "read", current_user).where(
        Transaction.organisation_id == current_user.organisation_id).distinct()
    stmt = select(PartnerOrganisation).where(PartnerOrganisation.id.in_(own)).order_by(PartnerOrganisation.legal_name)
    return list(db.session.scalars(stmt))


EXPORT_COLUMNS = [("occurred_at", _l("Date and time")), ("provider", _l("Platform")),
                  ("provider_tx_id", _l("Provider's transaction id")), ("kind", _l("Kind")),
                  ("amount", _l("Gross amount")), ("category", _l("Category")), ("redemption", _l("Redemption")),
                  ("refund_of_tx_id", _l("Refund of")), ("is_late", _l("Late"))]


def _export(stmt, fmt: str):
    rows = db.session.execute(stmt.add_columns(PartnerOrganisation.legal_name)
                              .join(PartnerOrganisation, PartnerOrganisation.id == Transaction.provider_id)
                              .order_by(Transaction.occurred_at, Transaction.id).limit(EXPORT_MAX_ROWS))
    data = [{"occurred_at": t.occurred_at, "provider": name, "provider_tx_id": t.provider_tx_id,
             "kind": str(TRANSACTION_KINDS.get(t.kind, t.kind)), "amount": t.amount, "category": t.category,
             "redemption": str(REDEMPTIONS.get(t.redemption, t.redemption or "")), "refund_of_tx_id": t.refund_of_tx_id,
             "is_late": t.is_late} for t, name in rows]
    columns = [(key, str(label)) for key, label in EXPORT_COLUMNS]
    return send_export(data, columns, fmt, "transazioni")


@bp.get("/portale/transazioni")
@shop_portal
def portal_transactions():
    args = _filters()
    stmt = _transactions(args)
    fmt = request.args.get("format", "")
    if fmt in ("csv", "csv-it", "xlsx"):
        return _export(stmt, fmt)
    page = max(1, request.args.get("page", 1, type=int) or 1)
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    rows = list(db.session.scalars(stmt.order_by(Transaction.occurred_at.desc(), Transaction.id.desc())
                                   .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)))
    names = {p.id: p.legal_name for p in _providers()}
    return current_admin().index_view.render(
        "shop_network/portal_transactions.html", rows=rows, args=args, page=page, total=total,
        pages=max(1, -(-total // PAGE_SIZE)), providers=names, kinds=TRANSACTION_KINDS, redemptions=REDEMPTIONS,
        statements_url=statements_url())
