"""Social projects: CUP format, third-sector beneficiaries, workflow, milestones' progress, who may change what."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.extensions import db
from app.security import scoped
from app.workflow import WorkflowError, fire
from modules.funds import services
from modules.funds.models import Milestone, Project
from tests.factories import make_user
from tests.modules.funds.factories import (
    MilestoneFactory,
    ProjectCategoryFactory,
    ProjectFactory,
    third_sector_organisation,
)
from tests.modules.partners.helpers import member


@pytest.mark.parametrize("raw, clean", [("J51B20000010005", "J51B20000010005"),
                                        ("j51b 2000 0010 005", "J51B20000010005"), ("", None), (None, None)])
def test_a_cup_is_normalised(raw, clean):
    assert services.clean_cup(raw) == clean


@pytest.mark.parametrize("raw", ["J51B2000001000", "J51B200000100055", "151B20000010005", "J51820000010005",
                                 "J51B2000001000X"])
def test_a_cup_with_the_wrong_length_or_format_is_refused(app, raw):
    with app.test_request_context(), pytest.raises(services.FundsError):
        services.clean_cup(raw)


def test_a_public_investment_project_needs_a_cup_and_a_third_sector_beneficiary(ctx, italian):
    shop = third_sector_organisation(type="shop")
    project = Project(title="Orti sociali", category=ProjectCategoryFactory(), beneficiary_id=shop.id,
                      budget=Decimal("1000.00"), is_public_investment=True)
    errors = services.check_project(project)
    assert set(errors) == {"cup", "beneficiary"}
    assert "CUP" in errors["cup"] and "Terzo settore" in errors["beneficiary"]


def test_two_projects_cannot_share_a_cup(ctx):
    ProjectFactory(cup="J51B20000010005")
    twin = Project(title="Copia", category=ProjectCategoryFactory(), beneficiary_id=third_sector_organisation().id,
                   budget=Decimal("1.00"), cup="j51b20000010005")
    assert "cup" in services.check_project(twin)


def test_a_cooperative_proposes_a_project_for_itself_only(ctx):
    own, other = third_sector_organisation(type="cooperative"), third_sector_organisation()
    cooperative = member("cooperative", own)
    project = services.create_project(cooperative, title="Doposcuola", category_id=ProjectCategoryFactory().id,
                                      beneficiary_id=other.id, budget=Decimal("3000.00"),
                                      start_date=date(2026, 9, 1), end_date=date(2027, 6, 30))
    assert project.beneficiary_id == own.id and project.status == "proposed"
    assert project.proposed_by_id == cooperative.id


def test_the_municipality_admits_and_the_beneficiary_starts_its_funded_project(ctx):
    project = ProjectFactory()
    official = make_user("municipality")
    fire(project, "admit", official)
    assert project.status == "admitted"
    with pytest.raises(WorkflowError):
        fire(project, "admit", make_user("coordinator"))
    project.status = "funded"
    db.session.commit()
    with pytest.raises(WorkflowError):
        fire(project, "start", member("cooperative", third_sector_organisation(type="cooperative")))
    fire(project, "start", member("cooperative", project.beneficiary))
    assert project.status == "in_progress"


def test_closing_a_project_needs_a_reason_and_then_it_is_read_only(ctx):
    project = ProjectFactory()
    official = make_user("municipality")
    with pytest.raises(WorkflowError):
        fire(project, "close", official)
    fire(project, "close", official, reason="Il beneficiario ha rinunciato")
    project.title = "changed"
    with pytest.raises(WorkflowError):
        db.session.flush()
    db.session.rollback()


def test_progress_is_the_mean_of_the_milestones(ctx):
    project = ProjectFactory()
    MilestoneFactory(project=project, progress=100)
    services.set_progress(MilestoneFactory(project=project), 50)
    db.session.expire(project)
    assert project.progress == 75
    with pytest.raises(services.FundsError):
        services.set_progress(project.milestones[0], 101)


def test_a_cooperative_changes_its_project_only_while_proposed_and_updates_its_milestones(ctx):
    own = third_sector_organisation(type="cooperative")
    cooperative = member("cooperative", own)
    proposed = ProjectFactory(beneficiary_id=own.id)
    funded = ProjectFactory(beneficiary_id=own.id, status="funded")
    foreign = ProjectFactory()
    milestone = MilestoneFactory(project=funded)
    MilestoneFactory(project=foreign)
    readable = set(db.session.scalars(scoped(select(Project.id), "read", cooperative)))
    writable = set(db.session.scalars(scoped(select(Project.id), "write", cooperative)))
    milestones = set(db.session.scalars(scoped(select(Milestone.id), "write", cooperative)))
    assert readable == {proposed.id, funded.id} and writable == {proposed.id} and milestones == {milestone.id}
