"""Builders for the fund's scenarios: a fund holding money, officials, a ranked round, approved allocations."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from app.models import User
from app.workflow import fire
from modules.funds import services
from modules.funds.models import Allocation, Fund, Project, Round
from tests.factories import OrganisationFactory, make_user
from tests.modules.funds.factories import FundFactory, ProjectFactory, RoundFactory

_serial = itertools.count(1)


def fund_holding(amount: Decimal | str, on: date = date(2026, 1, 10), fund: Fund | None = None) -> Fund:
    """A fund that has received `amount` (a contribution owed by a shop, then paid)."""
    fund = fund or FundFactory()
    contribution = services.record_contribution_owed(
        fund, OrganisationFactory(type="shop"), amount, source_reference=f"test.owed:{next(_serial)}", on=on,
        description="Restituzione welfare")
    services.record_contribution_received(contribution, on=on, receipt_reference=f"cro-{next(_serial)}")
    return fund


@dataclass
class Officials:
    coordinator: User
    municipality: User
    other_municipality: User


def officials() -> Officials:
    return Officials(make_user("coordinator", full_name="Giulia Coordinatrice"),
                     make_user("municipality", full_name="Marco Comune"),
                     make_user("municipality", full_name="Lucia Comune"))


def admitted(**kwargs) -> Project:
    kwargs.setdefault("status", "admitted")
    return ProjectFactory(**kwargs)


def ranked_round(fund: Fund, projects: list[Project], official: User, amount: Decimal | str = "10000.00",
                 **kwargs) -> Round:
    """A round of `fund` whose ranking (`projects` in order) the municipality has confirmed."""
    round_ = RoundFactory(fund=fund, amount=Decimal(amount), **kwargs)
    services.rank_projects(round_, [p.id for p in projects], official)
    fire(round_, "confirm_ranking", official)
    return round_


def approved(round_: Round, project: Project, amount: Decimal | str, people: Officials,
             on: date = date(2026, 2, 10)) -> Allocation:
    allocation = services.propose_allocation(round_, project, amount, people.coordinator)
    return services.approve_allocation(allocation.id, people.municipality, on=on)
