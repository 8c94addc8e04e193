"""The demo data: a fund with contributions (received, owed) and a donation, three projects of the demo
cooperative, an open round; loading it twice changes nothing."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select

from app.extensions import db
from app.installer import load_demo
from app.models import Organisation
from modules.funds import services
from modules.funds.models import Contribution, Fund, Project, Round
from modules.funds.services.public import totals
from modules.ledger import services as ledger


def _counts() -> tuple[int, ...]:
    return tuple(db.session.scalar(select(func.count()).select_from(model))
                 for model in (Fund, Contribution, Project, Round))


def test_the_demo_fund_has_money_and_the_demo_cooperative_has_three_projects(ctx):
    load_demo()
    fund = db.session.scalar(select(Fund))
    figures = totals(fund)
    assert figures.received == Decimal("2383.00") and figures.receivable == Decimal("45.60")
    assert services.available(fund) == Decimal("2383.00")
    cooperative = db.session.scalar(select(Organisation).where(
        Organisation.legal_name == "Cooperativa Sociale Su Nuraghe"))
    projects = list(db.session.scalars(select(Project).where(Project.beneficiary_id == cooperative.id)))
    assert len(projects) == 3 and all(services.check_project(p) == {} for p in projects)
    before = _counts()
    load_demo()
    assert _counts() == before and ledger.check() == []
