"""Rounds: the municipality's ranking, the coordinator's proposals, the official's approval, revocation.

Approving is the one place where the fund's money is committed: it locks the fund's row, re-reads the
available balance from the ledger and posts the allocation in the same transaction, so two officials
approving at once can never allocate more than the fund holds.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import delete, func, select

from app.dates import today
from app.extensions import db
from app.workflow import fire
from modules.ledger import services as ledger
from modules.ledger.models import JournalEntry

from ..models import FUNDABLE_STATES, RANKABLE_STATES, Allocation, Payment, Priority, Project, Round
from . import transparency
from .common import (
    ZERO,
    FundsError,
    accounts,
    available,
    commitment_account,
    italian,
    lock_fund,
    money,
    refusals_roll_back,
    require,
)
from .money_in import _positive


# Ranking ----------------------------------------------------------------------------------------------------
@refusals_roll_back
def rank_projects(round_: Round, project_ids: list[int], user) -> list[Priority]:
    """Set the round's ranking: `project_ids` in order, first is position 1. Admitted projects become
    prioritised. The ranking can change until it is confirmed."""
    require(user, "funds.rank")
    if round_.status != "open":
        raise FundsError(_("The ranking of this round is confirmed: reopen it to change it."))
    if len(set(project_ids)) != len(project_ids):
        raise FundsError(_("Each project can have one position only."))
    projects = [db.session.get(Project, project_id) for project_id in project_ids]
    for project in projects:
        if project is None or project.status not in RANKABLE_STATES:
            raise FundsError(_("Only admitted projects can be ranked."))
    db.session.execute(delete(Priority).where(Priority.round_id == round_.id))
    db.session.flush()
    priorities = [Priority(round_id=round_.id, project_id=p.id, rank=i, ranked_by_id=user.id)
                  for i, p in enumerate(projects, start=1)]
    db.session.add_all(priorities)
    for project in projects:
        if project.status == "admitted":
            fire(project, "prioritise", user, commit=False)
    db.session.commit()
    db.session.expire(round_, ["priorities"])
    return priorities


# Figures of a round -----------------------------------------------------------------------------------------
def _sum(stmt) -> Decimal:
    return db.session.scalar(stmt) or ZERO


def round_committed(round_: Round, include_proposed: bool = False) -> Decimal:
    """Allocations approved in the round (and, if asked, those still proposed)."""
    states = ("approved", "proposed") if include_proposed else ("approved",)
    return _sum(select(func.sum(Allocation.amount)).where(Allocation.round_id == round_.id,
                                                          Allocation.status.in_(states)))


def project_allocated(project: Project, include_proposed: bool = True) -> Decimal:
    states = ("approved", "proposed") if include_proposed else ("approved",)
    return _sum(select(func.sum(Allocation.amount)).where(Allocation.project_id == project.id,
                                                          Allocation.status.in_(states)))


# Proposals --------------------------------------------------------------------------------------------------
def _check_ranking_order(round_: Round, project: Project) -> None:
    """Proposals follow the ranking: every project ranked above has had its proposal first."""
    positions = {p.project_id: p for p in round_.priorities}
    if project.id not in positions:
        raise FundsError(_("“%(project)s” is not in the ranking of this round.", project=project.title))
    considered = set(db.session.scalars(select(Allocation.project_id).where(Allocation.round_id == round_.id)))
    for priority in round_.priorities:
        if priority.rank < positions[project.id].rank and priority.project_id not in considered:
            raise FundsError(_("Follow the ranking: “%(project)s” (position %(rank)d) has no proposal yet.",
                               project=priority.project.title, rank=priority.rank))


def _check_amount_fits(round_: Round, project: Project, amount: Decimal) -> None:
    left_in_round = round_.amount - round_committed(round_, include_proposed=True)
    left_in_budget = project.budget - project_allocated(project)
    fund_available = available(round_.fund)
    if amount > fund_available:
        raise FundsError(_("The fund does not hold this amount: %(amount)s asked, %(available)s available "
                           "(cash received less allocations approved).", amount=money(amount),
                           available=money(fund_available)))
    if amount > left_in_round:
        raise FundsError(_("The round has %(left)s left to allocate; %(amount)s asked.", left=money(left_in_round),
                           amount=money(amount)))
    if amount > left_in_budget:
        raise FundsError(_("The project's budget leaves %(left)s to allocate; %(amount)s asked.",
                           left=money(left_in_budget), amount=money(amount)))


@refusals_roll_back
def propose_allocation(round_: Round, project: Project, amount: Decimal | str, user,
                       note: str | None = None) -> Allocation:
    """A coordinator's proposal to allocate `amount` of the round to `project` (nothing is committed yet)."""
    require(user, "funds.propose_allocation")
    value = _positive(amount)
    if round_.status != "ranked":
        raise FundsError(_("Allocations are proposed once the municipality has confirmed the ranking."))
    if project.status not in FUNDABLE_STATES:
        raise FundsError(_("“%(project)s” cannot receive allocations in its state.", project=project.title))
    _check_ranking_order(round_, project)
    _check_amount_fits(round_, project, value)
    allocation = Allocation(round_id=round_.id, project_id=project.id, beneficiary_id=project.beneficiary_id,
                            amount=value, note=note, proposed_by_id=user.id)
    db.session.add(allocation)
    db.session.commit()
    return allocation


# Decisions --------------------------------------------------------------------------------------------------
def _locked(allocation_id: int) -> tuple[Allocation, Round]:
    """Lock the fund first (one lock order everywhere), then the allocation; both read fresh."""
    fund_id = db.session.scalar(select(Round.fund_id).join(Allocation, Allocation.round_id == Round.id)
                                .where(Allocation.id == allocation_id))
    if fund_id is None:
        raise FundsError(_("This allocation does not exist."))
    lock_fund(fund_id)
    stmt = (select(Allocation).where(Allocation.id == allocation_id).with_for_update(of=Allocation)
            .execution_options(populate_existing=True))
    allocation = db.session.scalars(stmt).one()
    return allocation, db.session.get(Round, allocation.round_id)


def _check_still_fits(allocation: Allocation, round_: Round) -> None:
    fund_available = available(round_.fund)
    if allocation.amount > fund_available:
        raise FundsError(_("The fund does not hold this amount: %(amount)s asked, %(available)s available "
                           "(cash received less allocations approved).", amount=money(allocation.amount),
                           available=money(fund_available)))
    left_in_round = round_.amount - round_committed(round_)
    if allocation.amount > left_in_round:
        raise FundsError(_("The round has %(left)s left to allocate; %(amount)s asked.", left=money(left_in_round),
                           amount=money(allocation.amount)))


@refusals_roll_back
def approve_allocation(allocation_id: int, user, on: date | None = None) -> Allocation:
    """Approve a proposal: post it from the fund's available balance to the project's commitments.

    Refused (FundsError) when the approver proposed it, when it is no longer a proposal, or when the fund
    (cash received − allocations approved) or the round does not hold the amount any more.
    """
    allocation, round_ = _locked(allocation_id)
    Allocation.__workflow__.check(allocation, "approve", user, None)
    if allocation.project.status not in FUNDABLE_STATES:
        raise FundsError(_("“%(project)s” cannot receive allocations in its state.", project=allocation.project.title))
    _check_still_fits(allocation, round_)
    approved_on = on or today()
    book = accounts(round_.fund)
    entry = ledger.post(
        lines=[ledger.debit(book.available, allocation.amount),
               ledger.credit(commitment_account(round_.fund, allocation.project), allocation.amount)],
        on=approved_on, kind="funds.allocation", reference=f"funds.allocation:{allocation.id}",
        description=italian("Allocation to “%(project)s” (%(round)s)", project=allocation.project.title,
                            round=round_.title),
        idempotency_key=f"funds.allocation:{allocation.id}", user=user, commit=False)
    allocation.entry_id, allocation.approved_on, allocation.decided_by_id = entry.id, approved_on, user.id
    fire(allocation, "approve", user, commit=False)
    if allocation.project.status == "prioritised":
        fire(allocation.project, "fund", user, commit=False)
    transparency.note_allocation(allocation)
    db.session.commit()
    return allocation


@refusals_roll_back
def reject_allocation(allocation_id: int, user, reason: str) -> Allocation:
    allocation, _round = _locked(allocation_id)
    allocation.decided_by_id = user.id
    fire(allocation, "reject", user, reason=reason, commit=False)
    db.session.commit()
    return allocation


@refusals_roll_back
def revoke_allocation(allocation_id: int, user, reason: str, on: date | None = None) -> Allocation:
    """Undo an approved allocation nothing was paid on: its ledger entry is reversed, the money is available
    again and it leaves the beneficiary's yearly total."""
    allocation, _round = _locked(allocation_id)
    Allocation.__workflow__.check(allocation, "revoke", user, reason)
    pending = db.session.scalar(select(func.count()).select_from(Payment).where(
        Payment.allocation_id == allocation.id, Payment.status.in_(("requested", "paid"))))
    if pending:
        raise FundsError(_("Payments were made or requested on this allocation: it cannot be revoked."))
    original = db.session.get(JournalEntry, allocation.entry_id)
    ledger.reverse(original, on=on or today(), user=user, commit=False,
                   description=italian("Revocation of the allocation to “%(project)s”: %(reason)s",
                                       project=allocation.project.title, reason=reason))
    transparency.forget_allocation(allocation)
    fire(allocation, "revoke", user, reason=reason, commit=False)
    db.session.commit()
    return allocation
