"""Public transparency pages (no login) and their open data: totals, projects, allocations, contributions,
art. 26–27 publications — and nothing that is not public."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import pytest

from app.settings import set_setting
from modules.funds import services
from tests.factories import OrganisationFactory
from tests.modules.funds.helpers import admitted, approved, fund_holding, officials, ranked_round

PAGES = ["/trasparenza/", "/trasparenza/progetti", "/trasparenza/allocazioni", "/trasparenza/contributi",
         "/trasparenza/pubblicazioni", "/trasparenza/dati"]


@pytest.fixture
def published_year(ctx):
    """APS "X" got € 1.100,00 in 2026 (published); a proposed project and a private donor stay private."""
    set_setting("funds.responsible_office", "Ufficio Politiche Sociali")
    set_setting("funds.responsible_official", "Marco Comune")
    people = officials()
    fund = fund_holding("5000.00")
    services.record_donation(fund, "70.00", on=date(2026, 3, 1), reference="don-1", donor_name="Maria Segreta")
    project = admitted(title="Centro diurno", beneficiary_id=OrganisationFactory(legal_name='APS "X"',
                                                                                  type="aps").id)
    admitted(title="Progetto riservato", status="proposed")
    round_ = ranked_round(fund, [project], people.municipality)
    approved(round_, project, "800.00", people, on=date(2026, 2, 16))
    june = approved(round_, project, "300.00", people, on=date(2026, 6, 9))
    services.publish(services.waiting_publication(june), people.municipality)
    return fund


@pytest.mark.parametrize("path", PAGES)
def test_every_transparency_page_opens_without_login(client, published_year, path):
    page = client.get(path)
    assert page.status_code == 200, path
    text = page.get_data(as_text=True)
    assert "Progetto riservato" not in text and "Maria Segreta" not in text


def test_the_totals_show_received_allocated_paid_and_available(client, published_year):
    text = client.get("/trasparenza/").get_data(as_text=True)
    for amount in ("€ 5.070,00", "€ 1.100,00", "€ 3.970,00"):
        assert amount in text


def test_the_projects_download_has_stable_columns_and_exact_amounts(client, published_year):
    rows = list(csv.DictReader(io.StringIO(client.get("/trasparenza/dati/progetti.csv").get_data(as_text=True))))
    assert [(r["title"], r["allocated"], r["paid"], r["status"]) for r in rows] == [
        ("Centro diurno", "1100.00", "0.00", "funded")]
    assert list(rows[0])[:3] == ["project_id", "title", "category"]


def test_the_publications_json_lists_what_the_law_requires(client, published_year):
    answer = client.get("/trasparenza/dati/pubblicazioni.json")
    assert answer.mimetype == "application/json"
    (record,) = json.loads(answer.get_data(as_text=True))
    assert record["beneficiary"] == 'APS "X"' and record["amount"] == "1100.00" and record["year"] == 2026
    assert record["office"] == "Ufficio Politiche Sociali" and record["official"] == "Marco Comune"
    assert record["legal_basis"] and record["selection_method"] and "/trasparenza/progetti/" in record["project_urls"]


def test_contributions_are_by_organisation_and_year_and_private_donors_only_as_a_total(client, published_year):
    rows = json.loads(client.get("/trasparenza/dati/contributi.json").get_data(as_text=True))
    by_kind = {(r["kind"], r["year"]): r for r in rows}
    assert by_kind[("donation", 2026)]["amount_received"] == "70.00"
    assert by_kind[("donation", 2026)]["contributor_tax_code"] == ""
    assert by_kind[("contribution", 2026)]["amount_received"] == "5000.00"


def test_a_draft_publication_and_a_proposed_project_are_not_public(client, ctx):
    people = officials()
    project = admitted(title="Centro anziani")
    approved(ranked_round(fund_holding("5000.00"), [project], people.municipality), project, "1500.00", people)
    assert json.loads(client.get("/trasparenza/dati/pubblicazioni.json").get_data(as_text=True)) == []
    hidden = admitted(status="proposed")
    assert client.get(f"/trasparenza/progetti/{hidden.id}").status_code == 404
    assert client.get(f"/trasparenza/progetti/{project.id}").status_code == 200


def test_an_unknown_dataset_is_not_found(client, ctx):
    assert client.get("/trasparenza/dati/segreti.csv").status_code == 404


def test_the_allocations_page_lists_approved_allocations(client, published_year):
    text = client.get("/trasparenza/allocazioni").get_data(as_text=True)
    assert "Centro diurno" in text and "€ 800,00" in text and "€ 300,00" in text
    rows = json.loads(client.get("/trasparenza/dati/allocazioni.json").get_data(as_text=True))
    assert sorted(r["amount"] for r in rows) == ["300.00", "800.00"]
