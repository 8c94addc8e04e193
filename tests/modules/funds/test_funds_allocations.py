"""Rounds: the municipality ranks, a coordinator proposes in ranking order, another official approves from
what the fund holds; revocation gives the money back."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.extensions import db
from app.workflow import WorkflowError, fire
from modules.funds import services
from modules.funds.models import Allocation, Priority
from modules.ledger import services as ledger
from modules.ledger.models import JournalEntry
from tests.factories import make_user
from tests.modules.funds.factories import FundFactory, RoundFactory
from tests.modules.funds.helpers import admitted, approved, fund_holding, officials, ranked_round

D = Decimal


def test_the_municipality_ranks_admitted_projects_and_they_become_prioritised(ctx):
    people = officials()
    first, second, third = admitted(), admitted(), admitted()
    round_ = RoundFactory()
    services.rank_projects(round_, [third.id, first.id, second.id], people.municipality)
    ranking = db.session.scalars(select(Priority).where(Priority.round_id == round_.id).order_by(Priority.rank))
    assert [p.project_id for p in ranking] == [third.id, first.id, second.id]
    assert {first.status, second.status, third.status} == {"prioritised"}
    services.rank_projects(round_, [first.id, third.id], people.municipality)  # re-ranking replaces it
    assert [p.project_id for p in round_.priorities] == [first.id, third.id]


def test_only_the_municipality_ranks_and_only_admitted_projects(ctx):
    people = officials()
    round_ = RoundFactory()
    with pytest.raises(services.FundsError):
        services.rank_projects(round_, [admitted().id], people.coordinator)
    with pytest.raises(services.FundsError):
        services.rank_projects(round_, [admitted(status="proposed").id], people.municipality)


def test_a_proposal_commits_nothing_and_the_approval_moves_the_money_to_the_project(ctx):
    people = officials()
    fund = fund_holding("2000.00")
    project = admitted()
    round_ = ranked_round(fund, [project], people.municipality)
    allocation = services.propose_allocation(round_, project, "1500.00", people.coordinator)
    assert services.available(fund) == D("2000.00")
    services.approve_allocation(allocation.id, people.other_municipality, on=date(2026, 2, 12))
    assert allocation.status == "approved" and allocation.approved_on == date(2026, 2, 12)
    assert services.available(fund) == D("500.00")
    assert ledger.natural_balance(services.commitment_account(fund, project)) == D("1500.00")
    assert project.status == "funded" and ledger.check() == []


def test_who_proposed_an_allocation_never_approves_it(ctx):
    people = officials()
    fund, project = fund_holding("1000.00"), admitted()
    round_ = ranked_round(fund, [project], people.municipality)
    both_roles = make_user("municipality")
    both_roles.roles = both_roles.roles + people.coordinator.roles
    db.session.commit()
    allocation = services.propose_allocation(round_, project, "100.00", both_roles)
    with pytest.raises(WorkflowError):
        services.approve_allocation(allocation.id, both_roles)
    with pytest.raises(WorkflowError):
        services.approve_allocation(allocation.id, people.coordinator)  # no funds.approve_allocation
    assert db.session.get(Allocation, allocation.id).status == "proposed" and services.available(fund) == 1000


def test_an_allocation_above_the_available_balance_is_refused_in_italian(ctx, italian):
    people = officials()
    fund, project = fund_holding("1000.00"), admitted(budget=D("9000.00"))
    services.record_contribution_owed(fund, None, "5000.00", source_reference="owed-not-paid", on=date(2026, 1, 5),
                                      description="Promessa")  # owed, not received: not available
    round_ = ranked_round(fund, [project], people.municipality)
    with pytest.raises(services.FundsError) as refused:
        services.propose_allocation(round_, project, "1000.01", people.coordinator)
    assert "€ 1.000,01" in str(refused.value) and "€ 1.000,00" in str(refused.value)
    assert str(refused.value).startswith("Il fondo non dispone")


def test_the_approval_rechecks_what_the_fund_holds(ctx):
    people = officials()
    fund, first, second = fund_holding("1000.00"), admitted(), admitted()
    round_ = ranked_round(fund, [first, second], people.municipality)
    one = services.propose_allocation(round_, first, "700.00", people.coordinator)
    two = services.propose_allocation(round_, second, "700.00", people.coordinator)
    services.approve_allocation(one.id, people.municipality)
    with pytest.raises(services.FundsError):
        services.approve_allocation(two.id, people.municipality)
    assert db.session.get(Allocation, two.id).status == "proposed" and services.available(fund) == D("300.00")


def test_proposals_follow_the_ranking(ctx):
    people = officials()
    fund, first, second = fund_holding("5000.00"), admitted(title="Centro diurno"), admitted()
    round_ = ranked_round(fund, [first, second], people.municipality)
    with pytest.raises(services.FundsError, match="Centro diurno"):
        services.propose_allocation(round_, second, "100.00", people.coordinator)
    services.propose_allocation(round_, first, "100.00", people.coordinator)
    services.propose_allocation(round_, second, "100.00", people.coordinator)


def test_a_round_and_a_budget_are_never_exceeded(ctx):
    people = officials()
    fund, project = fund_holding("5000.00"), admitted(budget=D("1200.00"))
    small_round = ranked_round(fund, [project], people.municipality, amount="800.00")
    with pytest.raises(services.FundsError):
        services.propose_allocation(small_round, project, "800.01", people.coordinator)
    big_round = ranked_round(fund, [project], people.municipality, amount="3000.00")
    approved(big_round, project, "1000.00", people)
    with pytest.raises(services.FundsError):
        services.propose_allocation(big_round, project, "200.01", people.coordinator)


def test_no_proposals_before_the_ranking_is_confirmed(ctx):
    people = officials()
    fund, project = fund_holding("100.00"), admitted()
    round_ = RoundFactory(fund=fund)
    services.rank_projects(round_, [project.id], people.municipality)
    with pytest.raises(services.FundsError):
        services.propose_allocation(round_, project, "10.00", people.coordinator)
    fire(round_, "confirm_ranking", people.municipality)
    with pytest.raises(services.FundsError):
        services.rank_projects(round_, [project.id], people.municipality)


def test_a_rejected_proposal_needs_a_reason_and_commits_nothing(ctx):
    people = officials()
    fund, project = fund_holding("100.00"), admitted()
    round_ = ranked_round(fund, [project], people.municipality)
    allocation = services.propose_allocation(round_, project, "10.00", people.coordinator)
    with pytest.raises(WorkflowError):
        services.reject_allocation(allocation.id, people.municipality, reason="")
    services.reject_allocation(allocation.id, people.municipality, reason="Progetto non coerente")
    assert allocation.status == "rejected" and services.available(fund) == D("100.00")


def test_revoking_an_allocation_reverses_its_entry_and_the_money_is_available_again(ctx):
    people = officials()
    fund, project = fund_holding("1000.00"), admitted()
    round_ = ranked_round(fund, [project], people.municipality)
    allocation = approved(round_, project, "400.00", people)
    services.revoke_allocation(allocation.id, people.other_municipality, reason="Rinuncia del beneficiario")
    assert allocation.status == "revoked" and services.available(fund) == D("1000.00")
    assert db.session.get(JournalEntry, allocation.entry_id).reversed_by.kind == "funds.allocation.reversal"
    assert ledger.natural_balance(services.commitment_account(fund, project)) == 0 and ledger.check() == []


def test_an_allocation_with_payments_cannot_be_revoked(ctx):
    people = officials()
    fund, project = fund_holding("1000.00"), admitted()
    allocation = approved(ranked_round(fund, [project], people.municipality), project, "400.00", people)
    services.request_payment(allocation, "100.00", people.coordinator)
    with pytest.raises(services.FundsError):
        services.revoke_allocation(allocation.id, people.municipality, reason="x")


def test_a_fund_without_money_allocates_nothing(ctx):
    people = officials()
    fund, project = FundFactory(), admitted()
    round_ = ranked_round(fund, [project], people.municipality)
    with pytest.raises(services.FundsError):
        services.propose_allocation(round_, project, "0.01", people.coordinator)
