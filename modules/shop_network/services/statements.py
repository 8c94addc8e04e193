"""Statements of a settlement: the PDF (Italian, stored once when the month is confirmed, never rendered again)
and the CSV of its transactions; what both show is read here."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from sqlalchemy import BigInteger, case, func, select, type_coerce
from sqlalchemy.orm import aliased

from app.documents import pdf_sha256, render_pdf
from app.extensions import db
from app.uploads import MB, Upload, absolute_path, register_owner, register_use, save_upload
from modules.partners.models import PartnerOrganisation

from ..models import Contract, Rate, Settlement, Transaction
from .settlement import month_bounds

STATEMENT_USE = "shop_network.statement"
MAX_PDF_LINES = 2000  # beyond this the PDF shows subtotals only; the CSV always has every row
register_use(STATEMENT_USE, {"pdf"}, max_bytes=50 * MB)
register_owner(Settlement)


@dataclass
class Subtotal:
    name: str
    partita_iva: str
    rows: int
    purchases: Decimal
    refunds: Decimal

    @property
    def base(self) -> Decimal:
        return self.purchases - self.refunds


@dataclass
class Line:
    occurred_on: date
    counterpart: str
    provider_tx_id: str
    kind: str
    amount: Decimal  # signed: refunds negative
    rate: Decimal | None
    is_late: bool


@dataclass
class StatementData:
    settlement: Settlement
    month_name: str
    iban: str
    subtotals: list[Subtotal] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    truncated: bool = False


def rows_clause(settlement: Settlement) -> list:
    """The transactions a statement covers: those it locked, or (a draft) those it would lock now."""
    column = Transaction.shop_settlement_id if settlement.kind == "shop" else Transaction.provider_settlement_id
    if settlement.state not in ("draft", "disputed"):
        return [column == settlement.id]
    owner = Transaction.organisation_id if settlement.kind == "shop" else Transaction.provider_id
    return [owner == settlement.organisation_id, column.is_(None),
            Transaction.occurred_on <= month_bounds(settlement.month)[1]]


def _counterpart_column(settlement: Settlement):
    return Transaction.provider_id if settlement.kind == "shop" else Transaction.organisation_id


def subtotals(settlement: Settlement) -> list[Subtotal]:
    """Per provider (on a shop's statement) or per shop (on a provider's)."""
    other = _counterpart_column(settlement)
    refund, cents = Transaction.kind == "refund", type_coerce(Transaction.amount, BigInteger)
    stmt = (select(PartnerOrganisation.legal_name, PartnerOrganisation.partita_iva, func.count(),
                   func.sum(case((refund, 0), else_=cents)), func.sum(case((refund, cents), else_=0)))
            .join(PartnerOrganisation, PartnerOrganisation.id == other).where(*rows_clause(settlement))
            .group_by(PartnerOrganisation.id, PartnerOrganisation.legal_name, PartnerOrganisation.partita_iva)
            .order_by(PartnerOrganisation.legal_name))
    return [Subtotal(name, piva or "", count, _money(purchases), _money(refunds))
            for name, piva, count, purchases, refunds in db.session.execute(stmt)]


def _money(cents) -> Decimal:
    return Decimal(int(cents or 0)).scaleb(-2).quantize(Decimal("0.01"))


def _rate_on_day():
    """The shop's signed rate in force on the row's day (a correlated lookup: statements list few rows)."""
    stmt = (select(Rate.rate).join(Contract, Contract.id == Rate.contract_id)
            .where(Contract.organisation_id == Transaction.organisation_id, Rate.status == "signed",
                   Rate.effective_from <= Transaction.occurred_on)
            .order_by(Rate.effective_from.desc(), Rate.id.desc()).limit(1))
    return stmt.scalar_subquery()


def lines(settlement: Settlement, limit: int | None = None):
    """The statement's transactions in date order (a generator: CSV exports stream it)."""
    other = aliased(PartnerOrganisation)
    stmt = (select(Transaction.occurred_on, other.legal_name, Transaction.provider_tx_id, Transaction.kind,
                   Transaction.amount, _rate_on_day(), Transaction.is_late)
            .join(other, other.id == _counterpart_column(settlement)).where(*rows_clause(settlement))
            .order_by(Transaction.occurred_on, Transaction.occurred_at, Transaction.id))
    if limit is not None:
        stmt = stmt.limit(limit)
    for day, name, tx_id, kind, amount, rate, late in db.session.execute(stmt):
        yield Line(day, name, tx_id, kind, -amount if kind == "refund" else amount, rate, bool(late or
                   day < settlement.month))


def statement_data(settlement: Settlement) -> StatementData:
    from app.settings import get_setting

    data = StatementData(settlement, format_date(settlement.month, "MMMM yyyy"),
                         get_setting("shop_network.fund_iban") or "", subtotals(settlement))
    if settlement.rows <= MAX_PDF_LINES:
        data.lines = list(lines(settlement, MAX_PDF_LINES))
    else:
        data.truncated = True
    return data


def render_statement(settlement: Settlement) -> bytes:
    """The statement as PDF, in Italian (drafts are rendered on request and marked as such)."""
    data = statement_data(settlement)
    return render_pdf("shop_network/statement_pdf.html", lang="it", data=data, settlement=settlement,
                      footer_text=f"{settlement.payment_reference}")


def statement_filename(settlement: Settlement, extension: str) -> str:
    kind = "restituzione" if settlement.kind == "shop" else "valore-condiviso"
    return f"estratto-{kind}-{settlement.month:%Y-%m}-{settlement.payment_reference}.{extension}"


def store_statement(settlement: Settlement, user=None) -> Upload:
    """Render the confirmed statement once and keep it (with its SHA-256); it is never rendered again."""
    if settlement.statement_upload_id is not None:
        return db.session.get(Upload, settlement.statement_upload_id)
    data = render_statement(settlement)
    upload = save_upload(STATEMENT_USE, io.BytesIO(data), filename=statement_filename(settlement, "pdf"),
                         owner=settlement, user=user)
    settlement.statement_upload_id, settlement.statement_sha256 = upload.id, pdf_sha256(data)
    return upload


def stored_pdf(settlement: Settlement) -> bytes | None:
    if settlement.statement_upload_id is None:
        return None
    upload = db.session.get(Upload, settlement.statement_upload_id)
    return absolute_path(upload).read_bytes()


def pdf_bytes(settlement: Settlement) -> bytes:
    """The stored PDF of a confirmed statement, or a fresh rendering of a draft."""
    return stored_pdf(settlement) or render_statement(settlement)


CSV_COLUMNS = [("occurred_on", _l("Date")), ("counterpart", _l("Counterpart")),
               ("provider_tx_id", _l("Provider's transaction id")), ("kind", _l("Kind")),
               ("amount", _l("Amount")), ("rate", _l("Give-back rate (%)")), ("is_late", _l("Late"))]
KIND_LABELS = {"purchase": _l("Purchase"), "refund": _l("Refund")}


def csv_rows(settlement: Settlement):
    for line in lines(settlement):
        yield {"occurred_on": line.occurred_on, "counterpart": line.counterpart,
               "provider_tx_id": line.provider_tx_id, "kind": str(KIND_LABELS.get(line.kind, line.kind)),
               "amount": line.amount, "rate": line.rate if settlement.kind == "shop" else None,
               "is_late": line.is_late}
