"""Contracts of the shop network: creation, signing through the signatures module, suspension, reactivation,
termination, rate amendments, and the network periods and rates other parts read. Commits here only.

Network periods (`NetworkPeriod`) are the truth of "was this shop in the network on day D?": signing opens
one from max(valid_from, day of signature); suspending or terminating from day D closes it at D - 1;
reactivating from D opens a new one; `valid_to` bounds every period. Nothing accrues outside them.

Rates: the rate in force on day D is the signed rate with the greatest `effective_from` <= D among the
organisation's contracts. The first rate is signed with the contract; a change is an amendment (a PDF the shop
signs) that may start only after the last month whose shop settlement is confirmed (or later), never in it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from flask import current_app, has_request_context, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Date, and_, func, or_, select

from app.dates import today
from app.documents import render_pdf
from app.extensions import db
from app.models import Role, User
from app.notify import notify
from app.security import has_permission
from app.workflow import fire
from modules.accreditation import accredited_organisation_ids
from modules.partners.models import Comune, PartnerOrganisation
from modules.signatures import services as signing
from modules.signatures.models import SignableDocument, Signature, SignatureRequest

from ..models import SETTLED_STATES, Contract, NetworkPeriod, Outlet, Rate, Settlement, ShopCategory

MANAGE = "shop_network.manage_contracts"
SIGN = "shop_network.sign"
PROVIDER_SCHEME = "provider"
ELIGIBLE_TYPES = ("shop", "artisan", "cooperative", "aps", "odv")  # shops, artisans, third-sector bodies
LIVE_STATES = ("draft", "sent", "active", "suspended")
MAX_RATE = Decimal("100")


class ContractError(ValueError):
    """A refused operation; the message is translated and shown to the user."""


def _require(user, permission: str = MANAGE) -> None:
    if not has_permission(user, permission):
        raise ContractError(_("You are not allowed to do this."))


def _path(endpoint: str, **values) -> str:
    if has_request_context():
        return url_for(endpoint, **values)
    with current_app.test_request_context():
        return url_for(endpoint, **values)


def contract_url(contract: Contract) -> str:
    return _path("shop_network_contract.details_view", id=contract.id)


# Reading: rates, periods, settled months -------------------------------------------------------------------
def _organisation_id(contract_or_org) -> int:
    return contract_or_org.organisation_id if isinstance(contract_or_org, Contract) else int(contract_or_org)


def rate_in_force(contract_or_organisation_id, day: date) -> Decimal | None:
    """The signed give-back rate (percent) in force for the organisation on `day`, or None."""
    stmt = (select(Rate.rate).join(Contract, Contract.id == Rate.contract_id)
            .where(Contract.organisation_id == _organisation_id(contract_or_organisation_id),
                   Rate.status == "signed", Rate.effective_from <= day)
            .order_by(Rate.effective_from.desc(), Rate.id.desc()).limit(1))
    return db.session.scalar(stmt)


def rate_periods():
    """Set-based form of `rate_in_force` for the settlement: a subquery of the signed rates with
    (organisation_id, rate, effective_from, effective_to) where `effective_to` is the next rate's first day
    (exclusive; NULL for the latest). Join it on organisation_id and effective_from <= day < effective_to.
    `rate` keeps the Percent type (in raw SQL it is the stored integer: 1/10,000 of a percent)."""
    following = func.lead(Rate.effective_from, type_=Date).over(partition_by=Contract.organisation_id,
                                                    order_by=(Rate.effective_from, Rate.id))
    return (select(Contract.organisation_id.label("organisation_id"), Rate.rate.label("rate"),
                   Rate.effective_from.label("effective_from"), following.label("effective_to"))
            .join(Contract, Contract.id == Rate.contract_id).where(Rate.status == "signed")
            .subquery("shop_network_rate_periods"))


def in_network(organisation_id: int, day: date) -> bool:
    """Was the organisation in the network on `day` (a network period covers it)?"""
    stmt = select(NetworkPeriod.id).where(NetworkPeriod.organisation_id == organisation_id,
                                          *_covers(day)).limit(1)
    return db.session.scalar(stmt) is not None


def _covers(day: date) -> tuple:
    return NetworkPeriod.starts_on <= day, or_(NetworkPeriod.ends_on.is_(None), NetworkPeriod.ends_on >= day)


def rate_history(contract: Contract) -> list[Rate]:
    """Every rate of the contract (signed, pending, withdrawn), oldest first."""
    stmt = select(Rate).where(Rate.contract_id == contract.id).order_by(Rate.effective_from, Rate.id)
    return list(db.session.scalars(stmt))


def periods_of(contract: Contract) -> list[NetworkPeriod]:
    stmt = select(NetworkPeriod).where(NetworkPeriod.contract_id == contract.id).order_by(NetworkPeriod.starts_on)
    return list(db.session.scalars(stmt))


def last_settled_day(organisation_id: int) -> date | None:
    """The last day of the latest month whose shop settlement is confirmed, requested or paid (or None)."""
    month = db.session.scalar(select(func.max(Settlement.month)).where(
        Settlement.kind == "shop", Settlement.organisation_id == organisation_id,
        Settlement.state.in_(SETTLED_STATES)))
    if month is None:
        return None
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def live_contract(organisation_id: int) -> Contract | None:
    """The organisation's contract that is not terminated (there is at most one)."""
    stmt = select(Contract).where(Contract.organisation_id == organisation_id, Contract.state.in_(LIVE_STATES))
    return db.session.scalars(stmt.order_by(Contract.id.desc())).first()


def provider_choices(day: date | None = None) -> list[PartnerOrganisation]:
    """The platforms a contract may accept: providers accredited under the "provider" scheme on the day."""
    ids = accredited_organisation_ids(PROVIDER_SCHEME, day or today())
    if not ids:
        return []
    stmt = select(PartnerOrganisation).where(PartnerOrganisation.id.in_(ids))
    return list(db.session.scalars(stmt.order_by(PartnerOrganisation.legal_name)))


def documents_for(record) -> list[SignableDocument]:
    return signing.documents_of(record)


def pending_requests(record) -> list[SignatureRequest]:
    return [r for d in documents_for(record) for r in d.requests if r.status == "pending"]


# Creating and editing -------------------------------------------------------------------------------------
def parse_rate(value) -> Decimal:
    """A give-back rate in percent: 0 to 100 with at most 4 decimals ("3", "3,5", "2.25")."""
    try:
        rate = Decimal(str(value).strip().replace(",", ".")) if not isinstance(value, Decimal) else value
    except (InvalidOperation, ValueError):
        raise ContractError(_("The rate must be a percentage, e.g. 3 or 2,5.")) from None
    if not rate.is_finite() or rate < 0 or rate > MAX_RATE or rate != rate.quantize(Decimal("0.0001")):
        raise ContractError(_("The rate must be between 0 and 100 %, with at most 4 decimals."))
    return rate.quantize(Decimal("0.0001"))


def check_contract(contract: Contract) -> None:
    """The rules every saved contract keeps: an eligible organisation, one live contract per organisation,
    a unique number, a coherent validity, accredited platforms."""
    organisation = contract.organisation or db.session.get(PartnerOrganisation, contract.organisation_id)
    if organisation is None or organisation.type not in ELIGIBLE_TYPES:
        raise ContractError(_("A contract is made with a shop, an artisan or a third-sector body."))
    if not (contract.number or "").strip():
        raise ContractError(_("The contract number is required."))
    clash = select(Contract.id).where(Contract.number == contract.number.strip(), Contract.id != contract.id)
    if contract.id is None:
        clash = select(Contract.id).where(Contract.number == contract.number.strip())
    if db.session.scalar(clash):
        raise ContractError(_("The number %(number)s is already used by another contract.", number=contract.number))
    other = select(Contract.id).where(Contract.organisation_id == organisation.id, Contract.state.in_(LIVE_STATES))
    if contract.id is not None:
        other = other.where(Contract.id != contract.id)
    if db.session.scalar(other.limit(1)):
        raise ContractError(_("%(organisation)s already has a contract that is not terminated.",
                              organisation=organisation.legal_name))
    if contract.valid_from is None or (contract.valid_to is not None and contract.valid_to < contract.valid_from):
        raise ContractError(_("The contract must start before it ends."))
    _check_platforms(contract.platforms)


def _check_platforms(platforms: Iterable[PartnerOrganisation]) -> None:
    accredited = accredited_organisation_ids(PROVIDER_SCHEME, today())
    refused = [p.legal_name for p in platforms if p.id not in accredited]
    if refused:
        raise ContractError(_("Not an accredited welfare platform today: %(names)s.", names=", ".join(refused)))


def prepare_contract(contract: Contract, rate, user) -> Contract:
    """Check a new contract (a form's or `create_contract`'s) and give it its initial rate; not committed."""
    _require(user)
    contract.number = (contract.number or "").strip()
    contract.state = "draft"
    contract.created_by_id = getattr(user, "id", None)
    check_contract(contract)
    initial = Rate(rate=parse_rate(rate), effective_from=contract.valid_from, status="pending",
                   created_by_id=getattr(user, "id", None))
    contract.rates.append(initial)
    return contract


def check_edit(contract: Contract, user, rate=None) -> None:
    """Only a draft is edited (its initial rate follows its start); later, amendments change the rate."""
    _require(user)
    if contract.state != "draft":
        raise ContractError(_("Only a draft contract can be changed: amend the rate, or suspend or terminate it."))
    check_contract(contract)
    first = next(iter(sorted(contract.rates, key=lambda r: r.effective_from)), None)
    if first is not None:
        first.effective_from = contract.valid_from
        if rate not in (None, ""):
            first.rate = parse_rate(rate)


@dataclass
class OutletData:
    name: str
    comune_istat: str
    street: str | None = None
    cap: str | None = None
    phone: str | None = None


def create_contract(user, organisation_id: int, number: str, valid_from: date, rate, valid_to: date | None = None,
                    category_ids: Iterable[int] = (), platform_ids: Iterable[int] = (),
                    outlets: Iterable[OutletData] = (), notes: str | None = None) -> Contract:
    """A draft contract with its categories, platforms, outlets and initial rate."""
    contract = Contract(number=number, organisation_id=organisation_id, valid_from=valid_from, valid_to=valid_to,
                        notes=notes)
    contract.organisation = db.session.get(PartnerOrganisation, organisation_id)
    contract.categories = list(db.session.scalars(select(ShopCategory).where(ShopCategory.id.in_(list(category_ids)))))
    contract.platforms = list(db.session.scalars(
        select(PartnerOrganisation).where(PartnerOrganisation.id.in_(list(platform_ids)))))
    for outlet in outlets:
        contract.outlets.append(_outlet(outlet))
    prepare_contract(contract, rate, user)
    db.session.add(contract)
    db.session.commit()
    return contract


def _outlet(data: OutletData) -> Outlet:
    if not (data.name or "").strip():
        raise ContractError(_("An outlet needs a name."))
    if db.session.get(Comune, data.comune_istat) is None:
        raise ContractError(_("Unknown comune: %(code)s.", code=data.comune_istat))
    return Outlet(name=data.name.strip()[:160], comune_istat=data.comune_istat, street=data.street, cap=data.cap,
                  phone=data.phone)


def add_outlet(contract: Contract, data: OutletData, user) -> Outlet:
    _require(user)
    if contract.state == "terminated":
        raise ContractError(_("This contract is terminated."))
    outlet = _outlet(data)
    contract.outlets.append(outlet)
    db.session.commit()
    return outlet


# Signing ----------------------------------------------------------------------------------------------------
def send_for_signature(contract: Contract, user) -> SignableDocument:
    """Render the contract's PDF once, store it, and ask the shop to sign it."""
    contract.__workflow__.check(contract, "send", user, None)
    check_contract(contract)
    if not contract.outlets:
        raise ContractError(_("Add at least one outlet before sending the contract."))
    if not contract.rates:
        raise ContractError(_("The contract has no give-back rate."))
    pdf = render_pdf("shop_network/contract_pdf.html", contract=contract, rate=_initial_rate(contract),
                     day=today())
    document = signing.create_document(contract, _("Shop network contract %(number)s", number=contract.number),
                                       pdf, f"contratto-{contract.number}.pdf", user=user)
    signing.request_signature(document, contract.organisation_id, permission=SIGN)
    fire(contract, "send", user, commit=False)
    _notify_shop(contract, _l("Your shop network contract %(number)s is ready to sign"),
                 "shop_network_contract_to_sign", number=contract.number)
    db.session.commit()
    return document


def _initial_rate(contract: Contract) -> Rate:
    return sorted(contract.rates, key=lambda r: (r.effective_from, r.id or 0))[0]


def _shop_users(organisation_id: int) -> list[User]:
    stmt = select(User).where(User.organisation_id == organisation_id, User.is_active.is_(True))
    return [user for user in db.session.scalars(stmt) if has_permission(user, SIGN)]


def _coordinators() -> list[User]:
    stmt = select(User).join(User.roles).where(Role.key == "coordinator", User.is_active.is_(True))
    return list(db.session.scalars(stmt))


def _notify_shop(contract: Contract, title, template: str, **context) -> None:
    notify(_shop_users(contract.organisation_id), title, template, url=_path("shop_network.portal"), **context)


def on_signature_accepted(_sender, signature: Signature) -> None:
    """A valid signature (signatures module): a contract becomes active, an amendment's rate applies."""
    document = signature.document
    if document.owner_model == Contract.__name__:
        contract = db.session.get(Contract, document.owner_id)
        if contract is not None and contract.state == "sent":
            activate(contract, today(), signature.signed_at)
    elif document.owner_model == Rate.__name__:
        rate = db.session.get(Rate, document.owner_id)
        if rate is not None and rate.status == "pending":
            _amendment_signed(rate, signature.signed_at)


def activate(contract: Contract, day: date, signed_at: datetime | None = None) -> Contract:
    """The shop signed: the contract is active, its rates signed, its network period open from
    max(valid_from, day)."""
    fire(contract, "activate", None, commit=False)
    contract.signed_at = signed_at or datetime.now(UTC)
    for rate in contract.rates:
        if rate.status == "pending" and not documents_for(rate):
            rate.status, rate.signed_at = "signed", contract.signed_at
    _open_period(contract, max(contract.valid_from, day))
    notify(_coordinators(), _l("%(organisation)s signed the contract %(number)s"), None, url=contract_url(contract),
           organisation=contract.organisation.legal_name, number=contract.number)
    db.session.commit()
    return contract


def _open_period(contract: Contract, starts_on: date) -> NetworkPeriod | None:
    if contract.valid_to is not None and contract.valid_to < starts_on:
        return None
    period = NetworkPeriod(contract_id=contract.id, organisation_id=contract.organisation_id, starts_on=starts_on,
                           ends_on=contract.valid_to)
    db.session.add(period)
    db.session.flush()
    return period


def _close_periods(contract: Contract, from_day: date) -> None:
    """Nothing accrues from `from_day` on: periods end the day before (those starting later are removed)."""
    stmt = select(NetworkPeriod).where(NetworkPeriod.contract_id == contract.id,
                                       or_(NetworkPeriod.ends_on.is_(None), NetworkPeriod.ends_on >= from_day))
    for period in db.session.scalars(stmt):
        if period.starts_on >= from_day:
            db.session.delete(period)
        else:
            period.ends_on = from_day - timedelta(days=1)
    db.session.flush()


# Suspension, reactivation, termination ---------------------------------------------------------------------
def check_effective_day(contract: Contract, day: date, allow_past: bool = False) -> None:
    """A change of the network takes effect after the last settled month, and not in the past unless the
    coordinator says so explicitly (a settled month is never changed)."""
    settled = last_settled_day(contract.organisation_id)
    if settled is not None and day <= settled:
        raise ContractError(_("The month up to %(day)s is already settled: choose a day after it.",
                              day=settled.strftime("%d/%m/%Y")))
    if day < today() and not allow_past:
        raise ContractError(_("The day is in the past: tick “take effect in the past” if that is intended."))


def suspend(contract: Contract, user, reason: str, from_day: date | None = None, allow_past: bool = False) -> None:
    from_day = from_day or today()
    contract.__workflow__.check(contract, "suspend", user, reason)
    check_effective_day(contract, from_day, allow_past)
    fire(contract, "suspend", user, reason=reason, commit=False)
    contract.suspended_from = from_day
    _close_periods(contract, from_day)
    _notify_shop(contract, _l("Your shop network contract %(number)s is suspended from %(day)s"), None,
                 number=contract.number, day=from_day.strftime("%d/%m/%Y"))
    db.session.commit()


def reactivate(contract: Contract, user, reason: str, from_day: date | None = None, allow_past: bool = False) -> None:
    from_day = from_day or today()
    contract.__workflow__.check(contract, "reactivate", user, reason)
    check_effective_day(contract, from_day, allow_past)
    if contract.suspended_from is not None and from_day < contract.suspended_from:
        raise ContractError(_("The contract is suspended from %(day)s: reactivate it from that day or later.",
                              day=contract.suspended_from.strftime("%d/%m/%Y")))
    if contract.valid_to is not None and from_day > contract.valid_to:
        raise ContractError(_("The contract ends before that day."))
    fire(contract, "reactivate", user, reason=reason, commit=False)
    contract.suspended_from = None
    _open_period(contract, from_day)
    db.session.commit()


def terminate(contract: Contract, user, reason: str, from_day: date | None = None, allow_past: bool = False) -> None:
    from_day = from_day or today()
    contract.__workflow__.check(contract, "terminate", user, reason)
    if contract.state in ("active", "suspended"):
        check_effective_day(contract, from_day, allow_past)
    _close_periods(contract, from_day)
    for document in documents_for(contract):
        signing.withdraw_requests(document)
    for rate in contract.rates:
        if rate.status == "pending":
            _withdraw_rate(rate)
    contract.terminated_on = from_day
    fire(contract, "terminate", user, reason=reason, commit=False)
    db.session.commit()


def recall(contract: Contract, user, reason: str) -> None:
    """Back to draft (to change it): the shop's signature request is withdrawn."""
    contract.__workflow__.check(contract, "recall", user, reason)
    for document in documents_for(contract):
        signing.withdraw_requests(document)
    fire(contract, "recall", user, reason=reason, commit=False)
    db.session.commit()


def transition(contract: Contract, name: str, user, reason: str | None = None, day: date | None = None,
               allow_past: bool = False) -> None:
    """One entry point for the screens' buttons."""
    if name == "send":
        send_for_signature(contract, user)
    elif name == "recall":
        recall(contract, user, reason or "")
    elif name in ("suspend", "reactivate", "terminate"):
        {"suspend": suspend, "reactivate": reactivate, "terminate": terminate}[name](
            contract, user, reason or "", day, allow_past)
    else:
        raise ContractError(_("Unknown action “%(name)s”.", name=name))


# Rate amendments --------------------------------------------------------------------------------------------
def earliest_amendment_day(contract: Contract) -> date:
    """The first day a new rate may start: after the last settled month, and not before today."""
    settled = last_settled_day(contract.organisation_id)
    first = today() if settled is None else max(today(), settled + timedelta(days=1))
    return max(first, contract.valid_from)


def propose_rate(contract: Contract, user, rate, effective_from: date, note: str | None = None) -> Rate:
    """A new rate from `effective_from`, as an amendment the shop signs; it applies once signed."""
    _require(user)
    if contract.state not in ("active", "suspended"):
        raise ContractError(_("A rate amendment is made on an active or suspended contract."))
    value = parse_rate(rate)
    settled = last_settled_day(contract.organisation_id)
    if settled is not None and effective_from <= settled:
        raise ContractError(_("The month up to %(day)s is already settled: a new rate may start only after it.",
                              day=settled.strftime("%d/%m/%Y")))
    if effective_from < earliest_amendment_day(contract):
        raise ContractError(_("A new rate may start on %(day)s at the earliest: never in the past.",
                              day=earliest_amendment_day(contract).strftime("%d/%m/%Y")))
    if any(r.status == "pending" for r in contract.rates):
        raise ContractError(_("An amendment is already waiting for the shop's signature: withdraw it first."))
    amendment = _rate_row(contract, value, effective_from, note, user)
    pdf = render_pdf("shop_network/contract_amendment_pdf.html", contract=contract, amendment=amendment,
                     previous=rate_in_force(contract, effective_from - timedelta(days=1)), day=today())
    title = _("Amendment to contract %(number)s: rate %(rate)s from %(day)s", number=contract.number,
              rate=_plain_percent(value), day=effective_from.strftime("%d/%m/%Y"))
    document = signing.create_document(amendment, title, pdf,
                                       f"emendamento-{contract.number}-{effective_from.isoformat()}.pdf", user=user)
    signing.request_signature(document, contract.organisation_id, permission=SIGN)
    _notify_shop(contract, _l("An amendment to your shop network contract %(number)s is ready to sign"),
                 "shop_network_contract_amendment", number=contract.number, rate=_plain_percent(value),
                 day=effective_from.strftime("%d/%m/%Y"))
    db.session.commit()
    return amendment


def _plain_percent(value: Decimal) -> str:
    """3.5 → "3,5 %" (Italian, for titles and e-mails)."""
    return format(value.normalize(), "f").replace(".", ",") + " %"


def _rate_row(contract: Contract, value: Decimal, effective_from: date, note: str | None, user) -> Rate:
    same_day = next((r for r in contract.rates if r.effective_from == effective_from), None)
    if same_day is not None and same_day.status != "withdrawn":
        raise ContractError(_("A rate from that day already exists."))
    if same_day is None:
        same_day = Rate(effective_from=effective_from)
        contract.rates.append(same_day)
    same_day.rate, same_day.status, same_day.signed_at = value, "pending", None
    same_day.note = (note or "").strip()[:2000] or None
    same_day.created_by_id = getattr(user, "id", None)
    db.session.flush()
    return same_day


def _amendment_signed(rate: Rate, signed_at: datetime | None) -> None:
    settled = last_settled_day(rate.contract.organisation_id)
    if settled is not None and rate.effective_from <= settled:
        # Signed after its month was settled: applying it would change a settled month.
        rate.status = "withdrawn"
        rate.note = ((rate.note or "") + "\n" + _("Signed after the month was settled: not applied.")).strip()
    else:
        rate.status, rate.signed_at = "signed", signed_at or datetime.now(UTC)
    notify(_coordinators(), _l("%(organisation)s signed the rate amendment of contract %(number)s"), None,
           url=contract_url(rate.contract), organisation=rate.contract.organisation.legal_name,
           number=rate.contract.number)
    db.session.commit()


def withdraw_rate(rate: Rate, user) -> None:
    """Withdraw an amendment the shop has not signed yet."""
    _require(user)
    if rate.status != "pending" or not documents_for(rate):
        raise ContractError(_("Only an amendment waiting for the signature can be withdrawn."))
    _withdraw_rate(rate)
    db.session.commit()


def _withdraw_rate(rate: Rate) -> None:
    rate.status = "withdrawn"
    for document in documents_for(rate):
        signing.withdraw_requests(document)


# Lists for screens ----------------------------------------------------------------------------------------
def waiting_for_signature() -> list[Contract]:
    return list(db.session.scalars(select(Contract).where(Contract.state == "sent").order_by(Contract.id)))


def pending_amendments() -> list[Rate]:
    stmt = (select(Rate).join(Contract, Contract.id == Rate.contract_id)
            .where(Rate.status == "pending", Contract.state.in_(("active", "suspended"))).order_by(Rate.id))
    return list(db.session.scalars(stmt))


def network_contracts(day: date, category: str | None = None, comune: str | None = None,
                      q: str | None = None) -> list[Contract]:
    """Contracts whose shop is in the network on `day`, optionally of one category (key), with an outlet
    in one comune (ISTAT code), or whose name contains `q`."""
    in_period = select(NetworkPeriod.contract_id).where(*_covers(day))
    stmt = (select(Contract).join(PartnerOrganisation, PartnerOrganisation.id == Contract.organisation_id)
            .where(Contract.id.in_(in_period), Contract.state.in_(("active", "suspended", "terminated"))))
    if category:
        stmt = stmt.where(Contract.categories.any(ShopCategory.key == category))
    if comune:
        stmt = stmt.where(Contract.outlets.any(and_(Outlet.comune_istat == comune, Outlet.is_active.is_(True))))
    if q:
        stmt = stmt.where(PartnerOrganisation.legal_name.ilike(f"%{q.strip()[:80]}%"))
    return list(db.session.scalars(stmt.order_by(PartnerOrganisation.legal_name)).unique())
