"""Monthly settlements: drafts computed set-based in SQL, confirmed in month order (locking the transactions and
posting the receivable to the fund), payments matched by their causale, disputes, reminders.

Give-back of a shop-month = ROUND_HALF_UP(Σ amount × rate in force on the row's day, refunds negative), once on
the month's total, across providers; shared value of a provider-month = ROUND_HALF_UP(percent × (purchases −
refunds)), once. The sums are exact integers (cents × rate units) in the database; only the final division and
rounding happen in Python. A negative month owes nothing and carries its amount forward as a credit.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    BigInteger,
    Integer,
    and_,
    bindparam,
    case,
    column,
    delete,
    exists,
    func,
    or_,
    select,
    table,
    text,
    type_coerce,
    update,
)

from app.dates import today
from app.extensions import db
from app.models import Role, User, user_roles
from app.money import format_money
from app.notify import notify
from app.workflow import WorkflowError, fire
from modules.accreditation import shared_value_percent
from modules.funds import services as funds
from modules.funds.models import Contribution, Fund

from ..models import SETTLED_STATES, Contract, Rate, Settlement, Transaction

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
OPEN_STATES = ("draft", "disputed")
KIND_LETTER = {"shop": "S", "provider": "P"}
REFERENCE_PATTERN = re.compile(r"RN-?\s*(\d{4})-?(\d{2})-?\s*([SP])\s*(\d{6})", re.IGNORECASE)
RATE_SCALE = Decimal(10) ** 8  # cents × rate units (percent × 10⁴) → euros
T = Transaction.__table__.c
S = Settlement.__table__


class SettlementError(ValueError):
    """A refused operation on a settlement; the message is translated and meant for the user."""


@dataclass
class Totals:
    """What the rows of one organisation add up to, in integer cents (and cents × rate units for shops)."""

    organisation_id: int
    rows: int = 0
    late_rows: int = 0
    purchases: int = 0
    refunds: int = 0
    weighted: int = 0

    @property
    def base(self) -> int:
        return self.purchases - self.refunds


# Dates and references -------------------------------------------------------------------------------------
def month_bounds(month: date) -> tuple[date, date]:
    """The first and the last day of `month`'s month."""
    first = month.replace(day=1)
    return first, (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)


def previous_month(day: date) -> date:
    return (day.replace(day=1) - timedelta(days=1)).replace(day=1)


def parse_month(text: str) -> date:
    """"2026-03" (or "03/2026") → 1 March 2026."""
    text = (text or "").strip()
    for pattern in (r"(\d{4})-(\d{1,2})", r"(\d{1,2})/(\d{4})"):
        found = re.fullmatch(pattern, text)
        if found:
            year, month = found.groups() if pattern.startswith("(\\d{4})") else reversed(found.groups())
            try:
                return date(int(year), int(month), 1)
            except ValueError:
                break
    raise SettlementError(_("Write the month as YYYY-MM, e.g. 2026-03."))


def payment_reference(kind: str, organisation_id: int, month: date) -> str:
    """The causale printed on the statement, e.g. ``RN-2026-03-S000123``: unique per kind, organisation, month."""
    return f"RN-{month:%Y-%m}-{KIND_LETTER[kind]}{organisation_id:06d}"


def find_by_reference(text: str) -> Settlement | None:
    """The settlement whose causale appears in `text` (a bank transfer's description), if any."""
    found = REFERENCE_PATTERN.search(text or "")
    if found is None:
        return None
    year, month, letter, number = found.groups()
    reference = f"RN-{year}-{month}-{letter.upper()}{number}"
    return db.session.scalar(select(Settlement).where(Settlement.payment_reference == reference))


def italian(message: str, **variables) -> str:
    """A text stored in the books: always in the district's language."""
    with force_locale("it"):
        return _(message, **variables)


def money(value: Decimal) -> str:
    return format_money(value, str(get_locale() or "it"))


# Set-based sums ---------------------------------------------------------------------------------------------
def _cents(column):
    return type_coerce(column, BigInteger)


def rate_ranges():
    """Signed rates as (organisation, rate units, from, until exclusive|NULL): the rate in force on day D is the
    one whose range holds D (the greatest effective_from <= D)."""
    r, c = Rate.__table__.c, Contract.__table__.c
    until = func.lead(r.effective_from).over(partition_by=c.organisation_id, order_by=(r.effective_from, r.id))
    return (select(c.organisation_id.label("org"), type_coerce(r.rate, Integer).label("rate"),
                   r.effective_from.label("starts"), until.label("ends"))
            .join_from(Rate.__table__, Contract.__table__, c.id == r.contract_id).where(r.status == "signed"))


def _row_sums(first: date):
    refund = T.kind == "refund"
    amount = _cents(T.amount)
    return (func.sum(case((refund, 0), else_=amount)).label("purchases"),
            func.sum(case((refund, amount), else_=0)).label("refunds"),
            func.count().label("rows"),
            func.sum(case((T.occurred_on < first, 1), else_=0)).label("late"))


def shop_totals(where: Iterable, first: date) -> dict[int, Totals]:
    """Per shop: the rows matching `where`, each weighted by the rate in force on its day (a join on the rate
    ranges, set-based: one pass over the rows)."""
    rates = rate_ranges().cte("rates")
    in_force = and_(rates.c.org == T.organisation_id, rates.c.starts <= T.occurred_on,
                    or_(rates.c.ends.is_(None), T.occurred_on < rates.c.ends))
    amount = _cents(T.amount)
    signed = case((T.kind == "refund", -amount), else_=amount)
    stmt = (select(T.organisation_id, *_row_sums(first), func.sum(signed * func.coalesce(rates.c.rate, 0)))
            .select_from(Transaction.__table__.outerjoin(rates, in_force)).where(*where)
            .group_by(T.organisation_id))
    return _as_totals(stmt)


def all_totals(first: date, last: date) -> dict[str, dict[int, Totals]]:
    """Shops and providers of the monthly run in one pass over the rows: grouped by (shop, provider, open for the
    shop?, open for the provider?) — a row may be locked on one side only — then added up here."""
    rates = rate_ranges().cte("rates")
    in_force = and_(rates.c.org == T.organisation_id, rates.c.starts <= T.occurred_on,
                    or_(rates.c.ends.is_(None), T.occurred_on < rates.c.ends))
    amount = _cents(T.amount)
    signed = case((T.kind == "refund", -amount), else_=amount)
    shop_open, provider_open = T.shop_settlement_id.is_(None), T.provider_settlement_id.is_(None)
    stmt = (select(T.organisation_id, T.provider_id, shop_open, provider_open, *_row_sums(first),
                   func.sum(signed * func.coalesce(rates.c.rate, 0)))
            .select_from(Transaction.__table__.outerjoin(rates, in_force))
            .where(T.occurred_on <= last, or_(shop_open, provider_open))
            .group_by(T.organisation_id, T.provider_id, shop_open, provider_open))
    found: dict[str, dict[int, Totals]] = {"shop": {}, "provider": {}}
    for shop, provider, for_shop, for_provider, *values in db.session.execute(stmt):
        purchases, refunds, rows, late, weighted = (int(value or 0) for value in values)
        if for_shop:
            _add(found["shop"], shop, purchases, refunds, rows, late, weighted)
        if for_provider:
            _add(found["provider"], provider, purchases, refunds, rows, late)
    return found


def _add(into: dict[int, Totals], key: int, purchases, refunds, rows, late, weighted=0) -> None:
    total = into.setdefault(key, Totals(key))
    total.purchases += purchases
    total.refunds += refunds
    total.rows += rows
    total.late_rows += late
    total.weighted += weighted


def _as_totals(stmt) -> dict[int, Totals]:
    found = {}
    for org, purchases, refunds, rows, late, *weighted in db.session.execute(stmt):
        found[org] = Totals(org, rows=int(rows or 0), late_rows=int(late or 0), purchases=int(purchases or 0),
                            refunds=int(refunds or 0), weighted=int(weighted[0] or 0) if weighted else 0)
    return found


def provider_totals(where: Iterable, first: date) -> dict[int, Totals]:
    stmt = select(T.provider_id, *_row_sums(first)).where(*where).group_by(T.provider_id)
    return _as_totals(stmt)


def _owner(kind: str):
    return T.organisation_id if kind == "shop" else T.provider_id


def _lock_column(kind: str):
    return T.shop_settlement_id if kind == "shop" else T.provider_settlement_id


def _unsettled(kind: str, last: date, organisation_ids) -> list:
    where = [_lock_column(kind).is_(None), T.occurred_on <= last]
    if organisation_ids is not None:
        where.append(_owner(kind).in_(list(organisation_ids)))
    return where


def _totals(kind: str, where: list, first: date) -> dict[int, Totals]:
    return (shop_totals if kind == "shop" else provider_totals)(where, first)


# Amounts ----------------------------------------------------------------------------------------------------
def _euros(cents: int) -> Decimal:
    return Decimal(cents).scaleb(-2).quantize(CENT)


def provider_percent(provider_id: int, first: date, last: date) -> Decimal | None:
    """The provider's accredited shared-value percentage for the month (on its last day, else its first)."""
    for day in (last, first):
        percent = shared_value_percent(provider_id, day)
        if percent is not None:
            return percent
    return None


def _half_up(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded half-up (away from zero on a tie), in integers: exact."""
    quotient, rest = divmod(abs(numerator), denominator)
    quotient += 2 * rest >= denominator
    return quotient if numerator >= 0 else -quotient


def percent_units(percent: Decimal | None) -> int | None:
    return None if percent is None else int(percent.scaleb(4))


def cents_figures(kind: str, totals: Totals, credit_in_cents: int, units: int | None = None) -> dict[str, int]:
    """The settlement's amounts in cents: the month rounded half-up once, then the credit (≤ 0) applied.

    Shops: Σ cents × rate units (percent × 10⁴) / 10⁶; providers: base cents × percent units / 10⁶."""
    weighted = totals.weighted if kind == "shop" else totals.base * (units or 0)
    amount = _half_up(weighted, 10**6)
    total = amount + credit_in_cents
    return {"rows": totals.rows, "late_rows": totals.late_rows, "purchases": totals.purchases,
            "refunds": totals.refunds, "base": totals.base, "percent": units, "amount": amount,
            "credit_in": credit_in_cents, "amount_due": max(total, 0), "credit_out": min(total, 0)}


MONEY_FIELDS = ("purchases", "refunds", "base", "amount", "credit_in", "amount_due", "credit_out")


def figures(kind: str, totals: Totals, credit_in: Decimal, percent: Decimal | None = None) -> dict:
    """The same figures as model values (euros and percent as Decimals)."""
    raw = cents_figures(kind, totals, int(credit_in.scaleb(2)), percent_units(percent))
    values = {**raw, **{name: _euros(raw[name]) for name in MONEY_FIELDS}}
    values["percent"] = percent
    return values


def _credits(kind: str, month: date) -> dict[int, Decimal]:
    """Credit carried into `month`: the credit_out of each organisation's latest locked month before it."""
    later = Settlement.__table__.alias("later")
    newer = exists().where(later.c.kind == kind, later.c.organisation_id == S.c.organisation_id,
                           later.c.state.in_(SETTLED_STATES), later.c.month > S.c.month, later.c.month < month)
    stmt = select(S.c.organisation_id, S.c.credit_out).where(
        S.c.kind == kind, S.c.state.in_(SETTLED_STATES), S.c.month < month, S.c.credit_out < 0, ~newer)
    return dict(db.session.execute(stmt).all())


def credit_in(kind: str, organisation_id: int, month: date) -> Decimal:
    stmt = (select(Settlement.credit_out).where(Settlement.kind == kind, Settlement.organisation_id == organisation_id,
                                                Settlement.state.in_(SETTLED_STATES), Settlement.month < month)
            .order_by(Settlement.month.desc()).limit(1))
    return db.session.scalar(stmt) or ZERO


# Drafts -----------------------------------------------------------------------------------------------------
@dataclass
class DraftResult:
    month: date
    created: int = 0
    updated: int = 0
    removed: int = 0
    kept: int = 0  # disputed drafts, not recomputed
    unchanged: int = 0  # recomputed to the same figures: not written again

    def as_dict(self) -> dict:
        return {"month": self.month.isoformat(), "created": self.created, "updated": self.updated,
                "unchanged": self.unchanged, "removed": self.removed, "kept": self.kept}


def compute_drafts(month: date, organisation_ids: Iterable[int] | None = None, *,
                   kinds: Iterable[str] = ("shop", "provider"), commit: bool = True) -> DraftResult:
    """Create or refresh the draft settlements of `month` for shops and providers (or only `organisation_ids`).

    A draft covers the organisation's unsettled rows up to the month's last day (late rows of earlier, confirmed
    months included and counted). Disputed drafts are left as they are until resolved; an organisation whose
    month (or a later one) is confirmed gets no draft.
    """
    first, last = month_bounds(month)
    ids = None if organisation_ids is None else list(organisation_ids)
    result = DraftResult(first)
    now = datetime.now(UTC)
    kinds = tuple(kinds)
    together = all_totals(first, last) if ids is None and set(kinds) == {"shop", "provider"} else {}
    for kind in kinds:
        totals = together[kind] if together else _totals(kind, _unsettled(kind, last, ids), first)
        _write_drafts(kind, first, last, ids, totals, now, result)
    _forget_settlements()
    if commit:
        db.session.commit()
    return result


# Plain columns: the drafts are written with integer cents and percent units, without per-value conversions.
DRAFT_COLUMNS = ("kind", "organisation_id", "month", "state", "payment_reference", "rows", "late_rows", "purchases",
                 "refunds", "base", "percent", "amount", "credit_in", "amount_due", "credit_out", "computed_at")
RAW = table("shop_network_settlements", column("id"), *(column(name) for name in DRAFT_COLUMNS))


FIGURES = ("rows", "late_rows", "purchases", "refunds", "base", "percent", "amount", "credit_in", "amount_due",
           "credit_out")


def _existing(kind: str, first: date, ids) -> dict[int, tuple[int, str, tuple]]:
    """The month's settlements already there: id, state and figures (raw cents and units, to compare)."""
    stmt = select(RAW.c.organisation_id, RAW.c.id, RAW.c.state, *(RAW.c[name] for name in FIGURES)).where(
        RAW.c.kind == kind, RAW.c.month == first)
    if ids is not None:
        stmt = stmt.where(RAW.c.organisation_id.in_(ids))
    return {org: (sid, state, tuple(figures)) for org, sid, state, *figures in db.session.execute(stmt)}


def _locked_from(kind: str, first: date, ids) -> set[int]:
    stmt = select(S.c.organisation_id).where(S.c.kind == kind, S.c.month >= first, S.c.state.in_(SETTLED_STATES))
    if ids is not None:
        stmt = stmt.where(S.c.organisation_id.in_(ids))
    return set(db.session.scalars(stmt))


def _write_drafts(kind, first, last, ids, totals, now, result: DraftResult) -> None:
    existing, locked, credits = _existing(kind, first, ids), _locked_from(kind, first, ids), _credits(kind, first)
    inserts, updates = [], []
    for org, total in totals.items():
        found = existing.get(org)
        if org in locked or (found is not None and found[1] != "draft"):
            result.kept += found is not None and found[1] == "disputed"
            continue
        units = percent_units(provider_percent(org, first, last)) if kind == "provider" else None
        values = cents_figures(kind, total, int(credits.get(org, ZERO).scaleb(2)), units)
        if found is not None and found[2] == tuple(values[name] for name in FIGURES):
            result.unchanged += 1  # nothing to write: computed_at says when the figures last changed
            continue
        values.update(computed_at=now, kind=kind, organisation_id=org, month=first, state="draft",
                      payment_reference=payment_reference(kind, org, first))
        (inserts if found is None else updates).append(values)
    empty = [found[0] for org, found in existing.items() if found[1] == "draft" and org not in totals]
    if db.engine.dialect.name == "postgresql":
        _pg_write(inserts, updates)
    else:
        _insert_and_update(inserts, updates)
    if empty:
        db.session.execute(delete(S).where(S.c.id.in_(empty)))
    result.created += len(inserts)
    result.updated += len(updates)
    result.removed += len(empty)


VARYING = ("organisation_id", "payment_reference", "rows", "late_rows", "purchases", "refunds", "base", "percent",
           "amount", "credit_in", "amount_due", "credit_out")
PG_TYPES = {"organisation_id": "integer", "payment_reference": "text", "rows": "integer", "late_rows": "integer",
            "percent": "integer"}


def _array_literal(values) -> str:
    # Integers and causali ("RN-2026-03-S000123"): nothing to quote. One string per column is much cheaper to send
    # than lists of ten thousand values adapted one by one.
    return "{" + ",".join("NULL" if value is None else str(value) for value in values) + "}"


def _pg_write(inserts: list[dict], updates: list[dict]) -> None:
    """PostgreSQL: new drafts in one INSERT … SELECT FROM unnest(arrays) (ON CONFLICT: a concurrent run created it
    meanwhile), changed ones in one UPDATE … FROM unnest(arrays)."""
    _upsert(inserts)
    if not updates:
        return
    arrays = ", ".join(f"CAST(:{name} AS {PG_TYPES.get(name, 'bigint')}[])" for name in VARYING)
    assigned = ", ".join(f"{name} = v.{name}" for name in (*VARYING[2:], "computed_at"))
    # Only the fixed column names above are formatted in; every value is bound.
    sql = (f"UPDATE shop_network_settlements AS s SET {assigned} "  # noqa: S608
           f"FROM (SELECT CAST(:computed_at AS timestamptz) AS computed_at, u.* FROM unnest({arrays}) "
           f"AS u({', '.join(VARYING)})) AS v "
           f"WHERE s.kind = :kind AND s.month = :month AND s.organisation_id = v.organisation_id "
           f"AND s.state = 'draft'")
    db.session.execute(text(sql), _array_params(updates))


def _array_params(rows: list[dict]) -> dict:
    first = rows[0]
    params = {name: _array_literal(row[name] for row in rows) for name in VARYING}
    params.update(kind=first["kind"], month=first["month"], computed_at=first["computed_at"])
    return params


def _upsert(rows: list[dict]) -> None:
    if not rows:
        return
    arrays = ", ".join(f"CAST(:{name} AS {PG_TYPES.get(name, 'bigint')}[])" for name in VARYING)
    updated = ", ".join(f"{name} = excluded.{name}" for name in (*VARYING[2:], "computed_at"))
    # Only the fixed column names above are formatted in; every value is bound.
    sql = (f"INSERT INTO shop_network_settlements (kind, month, state, computed_at, {', '.join(VARYING)}) "  # noqa: S608
           f"SELECT :kind, :month, 'draft', :computed_at, v.* FROM unnest({arrays}) AS v "
           f"ON CONFLICT (kind, organisation_id, month) DO UPDATE SET {updated} "
           f"WHERE shop_network_settlements.state = 'draft'")
    db.session.execute(text(sql), _array_params(rows))


def _insert_and_update(inserts: list[dict], updates: list[dict]) -> None:
    if inserts:
        db.session.execute(RAW.insert(), inserts)
    if updates:
        values = {name: bindparam(f"v_{name}") for name in DRAFT_COLUMNS[5:]}
        stmt = (RAW.update().where(RAW.c.kind == bindparam("v_kind"), RAW.c.organisation_id == bindparam("v_org"),
                                   RAW.c.month == bindparam("v_month")).values(values))
        db.session.execute(stmt, [{"v_kind": row["kind"], "v_org": row["organisation_id"], "v_month": row["month"],
                                   **{f"v_{name}": row[name] for name in DRAFT_COLUMNS[5:]}} for row in updates])


def _forget_settlements() -> None:
    """Core statements bypassed the session: loaded settlements must be read again."""
    for obj in list(db.session.identity_map.values()):
        if isinstance(obj, Settlement):
            db.session.expire(obj)


def refresh(settlement: Settlement, commit: bool = True) -> Settlement:
    """Recompute one draft (e.g. after a dispute is resolved)."""
    compute_drafts(settlement.month, [settlement.organisation_id], kinds=(settlement.kind,), commit=commit)
    return settlement


# Confirmation -----------------------------------------------------------------------------------------------
def network_fund() -> Fund:
    """The fund the network pays into: the first active fund."""
    fund = db.session.scalar(select(Fund).where(Fund.is_active.is_(True)).order_by(Fund.id).limit(1))
    if fund is None:
        raise SettlementError(_("There is no active fund to post the settlements to: open one first."))
    return fund


def _locked_row(settlement: Settlement) -> Settlement:
    stmt = (select(Settlement).where(Settlement.id == settlement.id).with_for_update()
            .execution_options(populate_existing=True))
    return db.session.scalars(stmt).one()


def _check_order(settlement: Settlement, on: date) -> None:
    _first, last = month_bounds(settlement.month)
    if last >= on:
        raise SettlementError(_("The month is not over yet: it can be confirmed from %(day)s.",
                                day=(last + timedelta(days=1)).strftime("%d/%m/%Y")))
    earlier = select(Settlement.month).where(
        Settlement.kind == settlement.kind, Settlement.organisation_id == settlement.organisation_id,
        Settlement.month < settlement.month, Settlement.state.in_(OPEN_STATES)).order_by(Settlement.month).limit(1)
    month = db.session.scalar(earlier)
    if month is not None:
        raise SettlementError(_("Months are confirmed in order: confirm %(month)s first.",
                                month=month.strftime("%m/%Y")))


def _lock_rows(settlement: Settlement) -> Totals:
    """Point the organisation's unsettled rows up to the month's end at the settlement (late ones flagged), then
    sum exactly the rows that were locked."""
    first, last = month_bounds(settlement.month)
    column, owner = _lock_column(settlement.kind), _owner(settlement.kind)
    values = {column.key: settlement.id}
    if settlement.kind == "shop":
        values["is_late"] = or_(T.is_late, T.occurred_on < first)
    db.session.execute(update(Transaction.__table__).where(
        owner == settlement.organisation_id, column.is_(None), T.occurred_on <= last).values(values))
    totals = _totals(settlement.kind, [column == settlement.id], first)
    return totals.get(settlement.organisation_id, Totals(settlement.organisation_id))


def _describe(settlement: Settlement) -> str:
    what = italian("Give-back") if settlement.kind == "shop" else italian("Shared value")
    return f"{what} {settlement.month:%m/%Y} – {settlement.organisation.legal_name} ({settlement.payment_reference})"


def confirm(settlement: Settlement, user, on: date | None = None) -> Settlement:
    """Confirm a draft: lock its rows, fix its figures, post the receivable, store the statement PDF once.

    A confirmed month never changes; late rows go into the next open month. Later drafts of the same organisation
    are recomputed (their rows and credit change)."""
    on = on or today()
    try:
        settlement = _locked_row(settlement)
        Settlement.__workflow__.check(settlement, "confirm", user, None)
        _check_order(settlement, on)
        totals = _lock_rows(settlement)
        percent = settlement.percent if settlement.kind == "provider" else None
        if settlement.kind == "provider":
            first, last = month_bounds(settlement.month)
            percent = provider_percent(settlement.organisation_id, first, last)
        for key, value in figures(settlement.kind, totals, credit_in(settlement.kind, settlement.organisation_id,
                                                                     settlement.month), percent).items():
            setattr(settlement, key, value)
        settlement.confirmed_at, settlement.confirmed_by_id = datetime.now(UTC), getattr(user, "id", None)
        fire(settlement, "confirm", user, commit=False)
        _post_receivable(settlement, user, on)
        from .statements import store_statement

        store_statement(settlement, user)
        _notify_organisation(settlement, _l("Statement confirmed: %(reference)s"), "shop_network_statement_confirmed")
        if settlement.amount_due == 0:  # nothing to pay (nothing sold, or a credit carried forward): closed
            fire(settlement, "close", user, commit=False)
        db.session.commit()
    except (SettlementError, WorkflowError, funds.FundsError):
        db.session.rollback()
        raise
    _refresh_later(settlement)
    return settlement


def _post_receivable(settlement: Settlement, user, on: date) -> None:
    if settlement.amount_due <= 0:
        return
    contribution = funds.record_contribution_owed(
        network_fund(), settlement.organisation, settlement.amount_due,
        source_reference=f"shop_network.settlement:{settlement.id}", on=on, description=_describe(settlement),
        user=user, commit=False)
    settlement.contribution_id = contribution.id


def _refresh_later(settlement: Settlement) -> None:
    stmt = select(Settlement.month).where(
        Settlement.kind == settlement.kind, Settlement.organisation_id == settlement.organisation_id,
        Settlement.month > settlement.month, Settlement.state == "draft").order_by(Settlement.month)
    for month in db.session.scalars(stmt).all():
        compute_drafts(month, [settlement.organisation_id], kinds=(settlement.kind,))


# Payment ----------------------------------------------------------------------------------------------------
def request_payment(settlement: Settlement, user) -> Settlement:
    """Ask the organisation to pay (its users are notified, with the causale and the IBAN)."""
    if settlement.amount_due <= 0:
        raise SettlementError(_("Nothing is due on this statement."))
    fire(settlement, "request", user, commit=False)
    _notify_organisation(settlement, _l("Payment requested: %(reference)s"), "shop_network_statement_requested")
    db.session.commit()
    return settlement


def _resolve_target(settlement_or_reference) -> Settlement:
    if isinstance(settlement_or_reference, Settlement):
        return settlement_or_reference
    found = find_by_reference(str(settlement_or_reference))
    if found is None:
        raise SettlementError(_("No statement has the causale “%(text)s”.", text=settlement_or_reference))
    return found


def record_payment(settlement_or_reference, amount: Decimal | str | None, on: date, user,
                   receipt_reference: str | None = None) -> Settlement:
    """Record money received for a confirmed statement, found by itself or by the causale in a transfer's text.

    Posts the cash to the fund; the statement is paid when nothing is due any more. The same receipt twice
    records nothing new."""
    settlement = _resolve_target(settlement_or_reference)
    contribution = db.session.get(Contribution, settlement.contribution_id) if settlement.contribution_id else None
    if settlement.state not in ("confirmed", "requested") or contribution is None:
        raise SettlementError(_("Only a confirmed statement with an amount due can be paid."))
    Settlement.__workflow__.check(settlement, "pay", user, None)
    reference = (receipt_reference or "").strip() or f"{settlement.payment_reference}/{on.isoformat()}"
    try:
        contribution = funds.record_contribution_received(contribution, amount, on=on,
                                                          receipt_reference=reference, user=user, commit=False)
        if contribution.amount_due <= 0:
            settlement.paid_on = on
            fire(settlement, "pay", user, commit=False)
        db.session.commit()
    except (funds.FundsError, WorkflowError) as exc:
        db.session.rollback()
        raise SettlementError(str(exc)) from exc
    return settlement


# Disputes ---------------------------------------------------------------------------------------------------
def dispute(settlement: Settlement, user, reason: str) -> Settlement:
    """The shop (or provider) disputes its own draft: it is not recomputed nor confirmed until resolved."""
    if getattr(user, "organisation_id", None) != settlement.organisation_id:
        raise SettlementError(_("You can dispute only your own statements."))
    fire(settlement, "dispute", user, reason=reason, commit=False)
    settlement.dispute_reason = reason.strip()
    notify(coordinators(), _l("Statement disputed: %(reference)s"), "shop_network_statement_disputed",
           url=admin_url(settlement), reference=settlement.payment_reference,
           organisation=settlement.organisation.legal_name, reason=settlement.dispute_reason)
    db.session.commit()
    return settlement


def resolve(settlement: Settlement, user, reason: str) -> Settlement:
    """The coordinator answers a dispute: the statement goes back to draft and is recomputed."""
    fire(settlement, "resolve", user, reason=reason, commit=False)
    _notify_organisation(settlement, _l("Your dispute was answered: %(reference)s"),
                         "shop_network_statement_resolved", reason=reason.strip())
    db.session.commit()
    return refresh(settlement)


# Reminders and notices --------------------------------------------------------------------------------------
def reminder_days() -> int:
    from app.settings import get_setting

    return int(get_setting("shop_network.payment_reminder_days"))


def send_reminders(as_of: date) -> int:
    """Remind the organisations of confirmed statements still unpaid `payment_reminder_days` after confirmation;
    each statement once."""
    limit = datetime.combine(as_of - timedelta(days=reminder_days()), datetime.max.time(), tzinfo=UTC)
    stmt = select(Settlement).where(Settlement.state.in_(("confirmed", "requested")), Settlement.amount_due > 0,
                                    Settlement.reminded_at.is_(None), Settlement.confirmed_at <= limit)
    sent = 0
    for settlement in db.session.scalars(stmt.order_by(Settlement.id)).all():
        _notify_organisation(settlement, _l("Reminder: statement %(reference)s is unpaid"),
                             "shop_network_statement_reminder")
        settlement.reminded_at = datetime.now(UTC)
        sent += 1
    db.session.commit()
    return sent


def coordinators() -> list[User]:
    stmt = (select(User).join(user_roles, user_roles.c.user_id == User.id).join(Role, Role.id == user_roles.c.role_id)
            .where(Role.key == "coordinator", User.is_active.is_(True)))
    return list(db.session.scalars(stmt.order_by(User.id)))


def organisation_users(organisation_id: int) -> list[User]:
    stmt = select(User).where(User.organisation_id == organisation_id, User.is_active.is_(True))
    return list(db.session.scalars(stmt.order_by(User.id)))


def _url(endpoint: str, **values) -> str:
    from flask import current_app, has_request_context, url_for

    if has_request_context():
        return url_for(endpoint, **values)
    with current_app.test_request_context():
        return url_for(endpoint, **values)


def admin_url(settlement: Settlement) -> str:
    return _url("shop_network_settlement.details_view", id=settlement.id)


def _notify_organisation(settlement: Settlement, title, template: str, **extra) -> None:
    from app.settings import get_setting

    notify(organisation_users(settlement.organisation_id), title, template, url=_url("shop_network.statements"),
           reference=settlement.payment_reference, month=settlement.month.strftime("%m/%Y"),
           amount=money(settlement.amount_due), iban=get_setting("shop_network.fund_iban") or "", **extra)


def notify_drafts_ready(month: date, count: int) -> None:
    notify(coordinators(), _l("Draft statements of %(month)s ready: %(count)s"), "shop_network_statement_drafts",
           url=_url("shop_network_settlement.index_view"), month=month.strftime("%m/%Y"), count=count)
