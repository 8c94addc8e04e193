"""Factories of the fund's models (registered in tests/factories.py `factories()`).

Each default row belongs to fresh organisations (another organisation than any test user's). Money goes
through the services, as in production, so the ledger always agrees with the records.
"""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal

import factory

from modules.funds import services
from modules.funds.models import (
    Allocation,
    Contribution,
    Fund,
    Milestone,
    Payment,
    Priority,
    Project,
    ProjectCategory,
    Publication,
    Receipt,
    Round,
)
from tests.factories import BaseFactory, OrganisationFactory
from tests.modules.partners.factories import PartnerOrganisationFactory

_serial = itertools.count(1)


class FundFactory(BaseFactory):
    class Meta:
        model = Fund

    name = factory.Sequence(lambda n: f"Fondo di prova {n}")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return services.open_fund(**kwargs)


class ContributionFactory(BaseFactory):
    class Meta:
        model = Contribution

    fund = factory.SubFactory(FundFactory)
    organisation = factory.SubFactory(OrganisationFactory, type="shop")
    amount = Decimal("100.00")

    @classmethod
    def _create(cls, model_class, fund, organisation, amount, **kwargs):
        kwargs.setdefault("source_reference", f"test.contribution:{next(_serial)}")
        kwargs.setdefault("on", date(2026, 1, 15))
        kwargs.setdefault("description", "Contributo di prova")
        return services.record_contribution_owed(fund, organisation, amount, **kwargs)


class ReceiptFactory(BaseFactory):
    class Meta:
        model = Receipt

    contribution = factory.SubFactory(ContributionFactory)

    @classmethod
    def _create(cls, model_class, contribution, **kwargs):
        reference = f"bonifico-{next(_serial)}"
        services.record_contribution_received(contribution, on=date(2026, 1, 31), receipt_reference=reference)
        return _receipt(reference)


def _receipt(reference: str) -> Receipt:
    from app.extensions import db

    return db.session.scalar(db.select(Receipt).where(Receipt.reference == reference))


class ProjectCategoryFactory(BaseFactory):
    class Meta:
        model = ProjectCategory
        sqlalchemy_get_or_create = ("key",)

    key = "elderly"


def third_sector_organisation(**kwargs):
    kwargs.setdefault("type", "aps")
    return PartnerOrganisationFactory(**kwargs)


class ProjectFactory(BaseFactory):
    class Meta:
        model = Project

    title = factory.Sequence(lambda n: f"Progetto sociale {n}")
    description = "Un progetto per la comunità."
    category = factory.SubFactory(ProjectCategoryFactory)
    beneficiary_id = factory.LazyFunction(lambda: third_sector_organisation().id)
    budget = Decimal("5000.00")
    status = "proposed"


class MilestoneFactory(BaseFactory):
    class Meta:
        model = Milestone

    project = factory.SubFactory(ProjectFactory)
    title = factory.Sequence(lambda n: f"Fase {n}")
    progress = 0


class RoundFactory(BaseFactory):
    class Meta:
        model = Round

    fund = factory.SubFactory(FundFactory)
    title = factory.Sequence(lambda n: f"Bando {n}")
    period_start = date(2026, 1, 1)
    period_end = date(2026, 12, 31)
    amount = Decimal("10000.00")
    legal_basis = "Accordo territoriale welfare aziendale, art. 5"
    selection_method = "Graduatoria del Comune su proposta del coordinamento"


class PriorityFactory(BaseFactory):
    class Meta:
        model = Priority

    round = factory.SubFactory(RoundFactory)
    project = factory.SubFactory(ProjectFactory, status="prioritised")
    rank = 1


class AllocationFactory(BaseFactory):
    class Meta:
        model = Allocation

    round = factory.SubFactory(RoundFactory, status="ranked")
    project = factory.SubFactory(ProjectFactory, status="prioritised")
    beneficiary_id = factory.LazyAttribute(lambda a: a.project.beneficiary_id)
    amount = Decimal("500.00")


class PaymentFactory(BaseFactory):
    class Meta:
        model = Payment

    allocation = factory.SubFactory(AllocationFactory)
    beneficiary_id = factory.LazyAttribute(lambda p: p.allocation.beneficiary_id)
    amount = Decimal("100.00")


class PublicationFactory(BaseFactory):
    class Meta:
        model = Publication

    beneficiary_id = factory.LazyFunction(lambda: third_sector_organisation().id)
    year = 2026
    beneficiary_name = "APS di prova"
    beneficiary_tax_code = "90034120957"
    amount = Decimal("1100.00")
    year_total = Decimal("1100.00")


def funds_factories() -> dict:
    return {Fund: FundFactory, Contribution: ContributionFactory, Receipt: ReceiptFactory,
            ProjectCategory: ProjectCategoryFactory, Project: ProjectFactory, Milestone: MilestoneFactory,
            Round: RoundFactory, Priority: PriorityFactory, Allocation: AllocationFactory, Payment: PaymentFactory,
            Publication: PublicationFactory}
