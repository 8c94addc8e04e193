"""The fund's screens: projects by cooperatives, money in by hand, the round desk, payments, the statement, the
home widgets — each path through the services, refusals as clear Italian messages."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from app.extensions import db
from app.settings import set_setting
from modules.funds import services
from modules.funds.models import Allocation, Contribution, Payment, Priority, Project
from tests.factories import csrf_token, login, make_user
from tests.modules.funds.factories import (
    ContributionFactory,
    FundFactory,
    ProjectCategoryFactory,
    RoundFactory,
    third_sector_organisation,
)
from tests.modules.funds.helpers import admitted, approved, fund_holding, officials, ranked_round
from tests.modules.partners.helpers import member

D = Decimal


def _post(client, path: str, data: dict, page: str | None = None):
    return client.post(path, data={"csrf_token": csrf_token(client, page or path), **data})


def _flashes(client, response) -> str:
    return client.get(response.headers["Location"]).get_data(as_text=True)


def test_a_cooperative_proposes_its_project_and_a_wrong_cup_is_explained_in_italian(client, ctx):
    own = third_sector_organisation(type="cooperative")
    login(client, member("cooperative", own))
    form = {"title": "Doposcuola", "description": "Per 40 ragazzi", "category": ProjectCategoryFactory().id,
            "is_public_investment": "y", "cup": "J51B2000001", "budget": "6.500,00", "start_date": "2026-09-01",
            "end_date": "2027-06-30"}
    refused = _post(client, "/admin/funds_project/new/", form)
    assert refused.status_code == 200 and "15 caratteri" in refused.get_data(as_text=True)
    assert db.session.scalar(select(Project.id)) is None
    created = _post(client, "/admin/funds_project/new/", {**form, "cup": "j51b 2600 0010 005"})
    assert created.status_code == 302
    project = db.session.scalar(select(Project))
    assert (project.beneficiary_id, project.cup, project.budget, project.status) == (
        own.id, "J51B26000010005", D("6500.00"), "proposed")


def test_a_cooperative_cannot_change_a_project_once_admitted(client, ctx):
    own = third_sector_organisation(type="cooperative")
    project = admitted(beneficiary_id=own.id)
    login(client, member("cooperative", own))
    assert client.get(f"/admin/funds_project/edit/?id={project.id}").status_code == 404
    assert client.get(f"/admin/funds_project/details/?id={project.id}").status_code == 200


def test_the_municipality_admits_a_project_from_its_page(client, ctx):
    project = admitted(status="proposed")
    login(client, make_user("municipality"))
    page = f"/admin/funds_project/details/?id={project.id}"
    _post(client, "/admin/funds_project/transition/", {"id": project.id, "transition": "admit"}, page)
    db.session.refresh(project)
    assert project.status == "admitted"


def test_the_coordinator_records_a_donation_and_a_receipt_by_hand(client, ctx):
    fund = FundFactory()
    owed = ContributionFactory(fund=fund, amount=D("120.00"))
    login(client, make_user("coordinator"))
    created = _post(client, "/admin/funds_contribution/new/", {
        "fund": fund.id, "kind": "donation", "donor_name": "Maria Rossi", "description": "Donazione",
        "amount_owed": "250,50", "owed_on": "2026-05-04", "source_reference": "bonifico 77"})
    assert created.status_code == 302
    page = f"/admin/funds_contribution/details/?id={owed.id}"
    _post(client, "/admin/funds_contribution/receive/", {"id": owed.id, "amount": "100,00",
                                                          "received_on": "2026-05-10", "reference": "CRO 1"}, page)
    db.session.expire_all()
    assert db.session.get(Contribution, owed.id).amount_received == D("100.00")
    assert services.available(fund) == D("350.50")


def test_the_municipality_ranks_the_coordinator_proposes_another_official_approves_at_the_desk(client, app, ctx):
    people = officials()
    fund = fund_holding("3000.00")
    first, second, third = admitted(title="Primo"), admitted(title="Secondo"), admitted(title="Terzo")
    round_ = RoundFactory(fund=fund)
    desk = f"/admin/funds_desk/{round_.id}/"

    login(client, people.municipality)
    _post(client, f"{desk}rank", {f"position-{third.id}": "1", f"position-{first.id}": "2",
                                  f"position-{second.id}": "3"}, desk)
    _post(client, f"{desk}transition", {"transition": "confirm_ranking"}, desk)
    assert [p.project_id for p in db.session.scalars(select(Priority).order_by(Priority.rank))] == [
        third.id, first.id, second.id]

    coordinator = app.test_client()
    login(coordinator, people.coordinator)
    _post(coordinator, f"{desk}propose", {"project_id": third.id, "amount": "1.200,00"}, desk)
    refused = _post(coordinator, f"{desk}propose", {"project_id": first.id, "amount": "5.000,00"}, desk)
    assert "non dispone" in _flashes(coordinator, refused) or "€ 5.000,00" in _flashes(coordinator, refused)

    official = app.test_client()
    login(official, people.other_municipality)
    allocation = db.session.scalar(select(Allocation))
    _post(official, f"{desk}allocations/{allocation.id}/approve", {}, desk)
    db.session.refresh(allocation)
    assert allocation.status == "approved" and services.available(fund) == D("1800.00")


def test_the_proposer_gets_no_approve_button(client, ctx):
    people = officials()
    both = make_user("municipality")
    both.roles = both.roles + people.coordinator.roles
    db.session.commit()
    project = admitted()
    round_ = ranked_round(fund_holding("500.00"), [project], people.municipality)
    services.propose_allocation(round_, project, "100.00", both)
    login(client, both)
    page = client.get(f"/admin/funds_desk/{round_.id}/").get_data(as_text=True)
    assert "/approve" not in page


def test_a_payment_waiting_for_its_publication_is_refused_with_the_law_in_the_message(client, ctx):
    set_setting("funds.responsible_office", "Ufficio Politiche Sociali")
    set_setting("funds.responsible_official", "Marco Comune")
    people = officials()
    project = admitted()
    allocation = approved(ranked_round(fund_holding("5000.00"), [project], people.municipality), project,
                          "1200.00", people)
    login(client, people.coordinator)
    created = _post(client, "/admin/funds_payment/new/", {"allocation": allocation.id, "amount": "1.200,00"})
    assert created.status_code == 302
    payment = db.session.scalar(select(Payment))
    page = f"/admin/funds_payment/details/?id={payment.id}"
    answer = _post(client, "/admin/funds_payment/transition/", {"id": payment.id, "transition": "pay"}, page)
    assert "33/2013" in _flashes(client, answer)
    db.session.refresh(payment)
    assert payment.status == "requested"


def test_the_statement_shows_balances_and_downloads_as_pdf_and_xlsx(client, ctx):
    people = officials()
    fund = fund_holding("2000.00", on=date(2026, 1, 10))
    project = admitted(title="Orti sociali")
    approved(ranked_round(fund, [project], people.municipality), project, "500.00", people, on=date(2026, 2, 10))
    login(client, people.coordinator)
    query = f"/admin/funds_statement/?fund_id={fund.id}&start=2026-02-01&end=2026-02-28"
    page = client.get(query).get_data(as_text=True)
    assert "€ 2.000,00" in page and "€ 1.500,00" in page and "Orti sociali" in page
    pdf = client.get(query + "&format=pdf")
    assert pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    from pypdf import PdfReader

    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "Orti sociali" in text and "1.500,00" in text
    xlsx = client.get(query + "&format=xlsx")
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    values = [row for row in sheet.iter_rows(values_only=True)]
    assert any(row[1] == "Orti sociali — " + project.beneficiary.legal_name and row[4] == D("500.00")
               for row in values[1:])


def test_the_statement_is_not_for_cooperatives(client, ctx):
    login(client, member("cooperative", third_sector_organisation(type="cooperative")))
    assert client.get("/admin/funds_statement/").status_code == 403


def test_home_widgets_show_the_fund_to_staff_and_its_projects_to_a_beneficiary(client, app, ctx):
    people = officials()
    own = third_sector_organisation(type="cooperative")
    project = admitted(title="Centro diurno", beneficiary_id=own.id)
    fund = fund_holding("1000.00")
    approved(ranked_round(fund, [project], people.municipality), project, "400.00", people)
    login(client, people.coordinator)
    home = client.get("/admin/").get_data(as_text=True)
    assert fund.name in home and "€ 600,00" in home
    beneficiary = app.test_client()
    login(beneficiary, member("cooperative", own))
    page = beneficiary.get("/admin/").get_data(as_text=True)
    assert "Centro diurno" in page and "€ 400,00" in page and fund.name not in page
