"""Payments to beneficiaries and the art. 26–27 d.lgs. 33/2013 publication (DOMAIN.md scenario 4)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.settings import set_setting
from app.workflow import WorkflowError
from modules.funds import services
from modules.funds.models import Publication
from modules.ledger import services as ledger
from tests.modules.funds.factories import third_sector_organisation
from tests.modules.funds.helpers import admitted, approved, fund_holding, officials, ranked_round

D = Decimal


@pytest.fixture
def responsible_office(ctx):
    set_setting("funds.responsible_office", "Ufficio Politiche Sociali")
    set_setting("funds.responsible_official", "Dott.ssa Lucia Comune")


def test_aps_x_800_in_february_and_300_in_june_needs_publishing_before_the_300_is_paid(ctx, responsible_office,
                                                                                         italian):
    """DOMAIN.md scenario 4."""
    people = officials()
    aps_x = third_sector_organisation(legal_name='APS "X"', type="aps", codice_fiscale="90034120957")
    project = admitted(beneficiary_id=aps_x.id, cup="J51B26000010005", is_public_investment=True)
    fund = fund_holding("5000.00")
    round_ = ranked_round(fund, [project], people.municipality)

    february = approved(round_, project, "800.00", people, on=date(2026, 2, 16))
    assert db.session.scalar(select(func.count()).select_from(Publication)) == 0
    june = approved(round_, project, "300.00", people, on=date(2026, 6, 9))

    record = db.session.scalar(select(Publication))
    assert (record.beneficiary_name, record.year, record.amount, record.year_total) == (
        'APS "X"', 2026, D("1100.00"), D("1100.00"))
    assert record.beneficiary_tax_code == "90034120957" and record.status == "draft"
    assert record.legal_basis and record.selection_method and record.office == "Ufficio Politiche Sociali"
    assert {a.id for a in record.allocations} == {february.id, june.id}

    payment = services.request_payment(june, "300.00", people.coordinator)
    with pytest.raises(services.FundsError, match="33/2013"):
        services.mark_paid(payment, people.coordinator, on=date(2026, 6, 20))
    assert payment.status == "requested" and ledger.natural_balance(services.accounts(fund).cash) == D("5000.00")

    services.publish(record, people.municipality)
    services.mark_paid(payment, people.coordinator, on=date(2026, 6, 21))
    assert payment.status == "paid" and ledger.natural_balance(services.accounts(fund).cash) == D("4700.00")


def test_exactly_one_thousand_euros_in_a_year_needs_no_publication(ctx):
    people = officials()
    project = admitted()
    round_ = ranked_round(fund_holding("5000.00"), [project], people.municipality)
    approved(round_, project, "600.00", people, on=date(2026, 3, 1))
    allocation = approved(round_, project, "400.00", people, on=date(2026, 11, 30))
    services.mark_paid(services.request_payment(allocation, "400.00", people.coordinator), people.coordinator)
    assert db.session.scalar(select(func.count()).select_from(Publication)) == 0


def test_the_threshold_counts_one_calendar_year(ctx):
    people = officials()
    project = admitted()
    round_ = ranked_round(fund_holding("5000.00"), [project], people.municipality, period_end=date(2027, 12, 31))
    approved(round_, project, "800.00", people, on=date(2026, 12, 31))
    approved(round_, project, "300.00", people, on=date(2027, 1, 2))
    assert db.session.scalar(select(func.count()).select_from(Publication)) == 0


def test_money_paid_before_the_threshold_was_passed_stays_paid(ctx, responsible_office):
    people = officials()
    project = admitted()
    round_ = ranked_round(fund_holding("5000.00"), [project], people.municipality)
    february = approved(round_, project, "800.00", people, on=date(2026, 2, 1))
    services.mark_paid(services.request_payment(february, "500.00", people.coordinator), people.coordinator)
    approved(round_, project, "300.00", people, on=date(2026, 6, 1))
    rest = services.request_payment(february, "300.00", people.coordinator)
    with pytest.raises(services.FundsError):
        services.mark_paid(rest, people.coordinator)  # the rest of February's money waits for the record too
    assert services.paid_total(february) == D("500.00")


def test_a_record_is_not_published_without_what_the_law_requires(ctx, italian):
    people = officials()
    project = admitted()
    round_ = ranked_round(fund_holding("5000.00"), [project], people.municipality)
    approved(round_, project, "1000.01", people)
    record = db.session.scalar(select(Publication))
    with pytest.raises(WorkflowError):
        services.publish(record, people.municipality)
    record.office, record.official = "Ufficio Politiche Sociali", "Marco Comune"
    db.session.commit()
    with pytest.raises(WorkflowError):
        services.publish(record, people.coordinator)  # funds.publish belongs to the municipality
    services.publish(record, people.municipality)
    assert record.status == "published" and record.published_by_id == people.municipality.id


def test_allocations_after_publication_go_into_a_new_record(ctx, responsible_office):
    people = officials()
    project = admitted()
    round_ = ranked_round(fund_holding("5000.00"), [project], people.municipality)
    approved(round_, project, "1500.00", people, on=date(2026, 3, 1))
    services.publish(db.session.scalar(select(Publication)), people.municipality)
    later = approved(round_, project, "200.00", people, on=date(2026, 9, 1))
    records = list(db.session.scalars(select(Publication).order_by(Publication.id)))
    assert [(r.status, r.amount, r.year_total) for r in records] == [
        ("published", D("1500.00"), D("1500.00")), ("draft", D("200.00"), D("1700.00"))]
    assert services.waiting_publication(later).id == records[1].id


def test_payments_are_partial_and_never_exceed_the_allocation(ctx, italian):
    people = officials()
    project = admitted()
    round_ = ranked_round(fund_holding("5000.00"), [project], people.municipality)
    allocation = approved(round_, project, "900.00", people)
    first = services.request_payment(allocation, "400.00", people.coordinator)
    services.request_payment(allocation, "500.00", people.coordinator)
    with pytest.raises(services.FundsError, match="€ 0,00"):
        services.request_payment(allocation, "0.01", people.coordinator)
    services.mark_paid(first, people.coordinator, on=date(2026, 3, 3), reference="CRO 123")
    fund = round_.fund
    assert ledger.natural_balance(services.commitment_account(fund, project)) == D("500.00")
    assert ledger.natural_balance(services.accounts(fund).cash) == D("4600.00")
    assert services.available(fund) == D("4100.00") and ledger.check() == []


def test_a_payment_is_marked_paid_once_and_only_by_those_allowed(ctx):
    people = officials()
    project = admitted()
    allocation = approved(ranked_round(fund_holding("500.00"), [project], people.municipality), project, "100.00",
                          people)
    payment = services.request_payment(allocation, "100.00", people.coordinator)
    with pytest.raises(WorkflowError):
        services.mark_paid(payment, people.municipality)
    services.mark_paid(payment, people.coordinator)
    with pytest.raises(WorkflowError):
        services.mark_paid(payment, people.coordinator)
    assert ledger.natural_balance(services.accounts(allocation.round.fund).cash) == D("400.00")


def test_a_cancelled_payment_frees_its_amount(ctx):
    people = officials()
    project = admitted()
    allocation = approved(ranked_round(fund_holding("500.00"), [project], people.municipality), project, "100.00",
                          people)
    payment = services.request_payment(allocation, "100.00", people.coordinator)
    services.cancel_payment(payment, people.coordinator, reason="IBAN errato")
    assert services.payable(allocation) == D("100.00")
