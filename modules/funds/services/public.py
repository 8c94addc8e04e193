"""The fund's public figures (transparency pages, no login) as open data with stable, documented columns.

These are the only reads of the fund that do not go through the record rules: they return what the law and
the district publish to everybody — totals, projects past admission, contributions received aggregated by
organisation and year (private donors only as a total), approved allocations and published art. 26–27
records. Nothing personal: a private donor's name never leaves the back office.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import extract, func, select

from app.extensions import db
from app.models import Organisation

from ..models import (
    ALLOCATION_STATES,
    PROJECT_STATES,
    PUBLIC_STATES,
    Allocation,
    Contribution,
    Fund,
    Payment,
    Project,
    Publication,
    Receipt,
    Round,
)
from .common import ZERO, available


@dataclass(frozen=True)
class Column:
    key: str  # stable: open data users rely on it
    label: object
    description: object


@dataclass(frozen=True)
class Dataset:
    name: str
    title: object
    columns: tuple[Column, ...]
    rows: Callable[[], list[dict]]

    @property
    def export_columns(self) -> list[tuple[str, object]]:
        return [(column.key, column.label) for column in self.columns]


# Totals -----------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class FundTotals:
    received: Decimal
    receivable: Decimal
    allocated: Decimal
    paid: Decimal
    available: Decimal

    @property
    def committed(self) -> Decimal:
        """Allocated and not paid yet."""
        return self.allocated - self.paid


def _sum(stmt) -> Decimal:
    return db.session.scalar(stmt) or ZERO


def totals(fund: Fund) -> FundTotals:
    contributions = select(Contribution.id).where(Contribution.fund_id == fund.id)
    allocations = select(Allocation.id).join(Round, Round.id == Allocation.round_id).where(Round.fund_id == fund.id)
    return FundTotals(
        received=_sum(select(func.sum(Receipt.amount)).where(Receipt.contribution_id.in_(contributions))),
        receivable=_sum(select(func.sum(Contribution.amount_owed - Contribution.amount_received))
                        .where(Contribution.fund_id == fund.id)),
        allocated=_sum(select(func.sum(Allocation.amount)).where(Allocation.id.in_(allocations),
                                                                  Allocation.status == "approved")),
        paid=_sum(select(func.sum(Payment.amount)).where(Payment.allocation_id.in_(allocations),
                                                          Payment.status == "paid")),
        available=available(fund),
    )


def active_funds() -> list[Fund]:
    return list(db.session.scalars(select(Fund).where(Fund.is_active.is_(True)).order_by(Fund.name)))


def _fund_rows() -> list[dict]:
    rows = []
    for fund in active_funds():
        figures = totals(fund)
        rows.append({"fund_id": fund.id, "fund": fund.name, "received": figures.received,
                     "receivable": figures.receivable, "allocated": figures.allocated, "paid": figures.paid,
                     "available": figures.available})
    return rows


# Projects and allocations -----------------------------------------------------------------------------------
def public_projects() -> list[Project]:
    stmt = select(Project).where(Project.status.in_(PUBLIC_STATES)).order_by(Project.title, Project.id)
    return list(db.session.scalars(stmt))


def public_project(project_id: int) -> Project | None:
    project = db.session.get(Project, project_id)
    return project if project is not None and project.status in PUBLIC_STATES else None


def _per_project(stmt) -> dict[int, Decimal]:
    return {project_id: amount for project_id, amount in db.session.execute(stmt)}


def project_money() -> tuple[dict[int, Decimal], dict[int, Decimal]]:
    """Allocated (approved) and paid, per project id."""
    allocated = _per_project(select(Allocation.project_id, func.sum(Allocation.amount))
                             .where(Allocation.status == "approved").group_by(Allocation.project_id))
    paid = _per_project(select(Allocation.project_id, func.sum(Payment.amount))
                        .join(Allocation, Allocation.id == Payment.allocation_id)
                        .where(Payment.status == "paid").group_by(Allocation.project_id))
    return allocated, paid


def _tax_code(organisation: Organisation) -> str:
    return organisation.codice_fiscale or organisation.partita_iva or ""


def _project_rows() -> list[dict]:
    allocated, paid = project_money()
    return [{"project_id": p.id, "title": p.title, "category": str(p.category), "beneficiary": p.beneficiary.legal_name,
             "beneficiary_tax_code": _tax_code(p.beneficiary), "cup": p.cup or "", "status": p.status,
             "status_label": str(PROJECT_STATES[p.status]), "budget": p.budget,
             "allocated": allocated.get(p.id, ZERO), "paid": paid.get(p.id, ZERO), "progress_percent": p.progress,
             "start_date": p.start_date, "end_date": p.end_date,
             "url": url_for("funds.public_project", project_id=p.id, _external=True)}
            for p in public_projects()]


def public_allocations() -> list[Allocation]:
    stmt = (select(Allocation).where(Allocation.status.in_(("approved", "revoked")), Allocation.approved_on.isnot(None))
            .order_by(Allocation.approved_on.desc(), Allocation.id.desc()))
    return list(db.session.scalars(stmt))


def _allocation_rows() -> list[dict]:
    paid = _per_project(select(Payment.allocation_id, func.sum(Payment.amount)).where(Payment.status == "paid")
                        .group_by(Payment.allocation_id))
    return [{"allocation_id": a.id, "approved_on": a.approved_on, "fund": a.round.fund.name, "round": a.round.title,
             "project_id": a.project_id, "project": a.project.title, "beneficiary": a.project.beneficiary.legal_name,
             "amount": a.amount, "paid": paid.get(a.id, ZERO), "status": a.status,
             "status_label": str(ALLOCATION_STATES[a.status])}
            for a in public_allocations()]


# Contributions by organisation and year ---------------------------------------------------------------------
def _contribution_rows() -> list[dict]:
    year = extract("year", Receipt.received_on)
    stmt = (select(year, Contribution.organisation_id, Contribution.kind, func.sum(Receipt.amount))
            .join(Contribution, Contribution.id == Receipt.contribution_id)
            .group_by(year, Contribution.organisation_id, Contribution.kind)
            .order_by(year.desc()))
    found = db.session.execute(stmt).all()
    ids = {organisation_id for _year, organisation_id, _kind, _amount in found if organisation_id}
    names = {o.id: o for o in db.session.scalars(select(Organisation).where(Organisation.id.in_(ids)))}
    rows = []
    for year_value, organisation_id, kind, amount in found:
        organisation = names.get(organisation_id)
        rows.append({"year": int(year_value),
                     "contributor": organisation.legal_name if organisation else str(_l("Private donors")),
                     "contributor_tax_code": _tax_code(organisation) if organisation else "",
                     "kind": kind, "amount_received": amount})
    return sorted(rows, key=lambda row: (-row["year"], row["contributor"], row["kind"]))


# Publications (art. 26–27) ----------------------------------------------------------------------------------
def published_records() -> list[Publication]:
    stmt = (select(Publication).where(Publication.status == "published")
            .order_by(Publication.year.desc(), Publication.published_at.desc()))
    return list(db.session.scalars(stmt))


def _publication_rows() -> list[dict]:
    rows = []
    for record in published_records():
        projects = sorted({a.project for a in record.allocations}, key=lambda p: p.id)
        links = [(p.title, url_for("funds.public_project", project_id=p.id, _external=True)) for p in projects]
        rows.append({"project_links": links,  # for the page; the download has the two columns below
                     "publication_id": record.id, "year": record.year, "beneficiary": record.beneficiary_name,
                     "beneficiary_tax_code": record.beneficiary_tax_code, "amount": record.amount,
                     "year_total": record.year_total, "legal_basis": record.legal_basis, "office": record.office,
                     "official": record.official, "selection_method": record.selection_method,
                     "projects": "; ".join(title for title, _url in links),
                     "project_urls": " ".join(url for _title, url in links),
                     "published_at": record.published_at})
    return rows


# The datasets, documented -----------------------------------------------------------------------------------
def _c(key: str, label: str, description: str) -> Column:
    return Column(key, _l(label), _l(description))


DATASETS = {
    "fondo": Dataset("fondo", _l("Fund totals"), (
        _c("fund_id", "Fund id", "Identifier of the fund."),
        _c("fund", "Fund", "Name of the fund."),
        _c("received", "Received", "Contributions and donations received, in euros."),
        _c("receivable", "Owed, not received", "Contributions owed to the fund and not received yet, in euros."),
        _c("allocated", "Allocated", "Allocations approved to projects, in euros."),
        _c("paid", "Paid", "Payments made to beneficiaries, in euros."),
        _c("available", "Available", "Received less allocated: what can still be allocated, in euros."),
    ), _fund_rows),
    "progetti": Dataset("progetti", _l("Funded and prioritised projects"), (
        _c("project_id", "Project id", "Identifier of the project."),
        _c("title", "Title", "Title of the project."),
        _c("category", "Category", "Field of intervention."),
        _c("beneficiary", "Beneficiary", "Third-sector organisation that carries out the project."),
        _c("beneficiary_tax_code", "Beneficiary's tax code", "Codice fiscale or partita IVA of the beneficiary."),
        _c("cup", "CUP", "Codice Unico di Progetto, for public investment projects."),
        _c("status", "Status", "prioritised, funded, in_progress or completed."),
        _c("status_label", "Status (text)", "The status in words."),
        _c("budget", "Budget", "Total cost of the project, in euros."),
        _c("allocated", "Allocated", "Allocations approved by the fund, in euros."),
        _c("paid", "Paid", "Payments made by the fund, in euros."),
        _c("progress_percent", "Progress (%)", "Mean progress of the project's milestones, 0 to 100."),
        _c("start_date", "Starts on", "Start date (ISO 8601)."),
        _c("end_date", "Ends on", "End date (ISO 8601)."),
        _c("url", "Page", "Public page of the project."),
    ), _project_rows),
    "allocazioni": Dataset("allocazioni", _l("Allocations approved"), (
        _c("allocation_id", "Allocation id", "Identifier of the allocation."),
        _c("approved_on", "Approved on", "Date of approval (ISO 8601)."),
        _c("fund", "Fund", "Name of the fund."),
        _c("round", "Round", "Allocation round."),
        _c("project_id", "Project id", "Identifier of the project."),
        _c("project", "Project", "Title of the project."),
        _c("beneficiary", "Beneficiary", "Organisation that receives the money."),
        _c("amount", "Amount", "Amount approved, in euros."),
        _c("paid", "Paid", "Amount paid on this allocation, in euros."),
        _c("status", "Status", "approved, or revoked (money back to the fund)."),
        _c("status_label", "Status (text)", "The status in words."),
    ), _allocation_rows),
    "contributi": Dataset("contributi", _l("Contributions by organisation and year"), (
        _c("year", "Year", "Calendar year in which the money was received."),
        _c("contributor", "Contributor", "Organisation that paid; private donors appear only as a total."),
        _c("contributor_tax_code", "Contributor's tax code", "Codice fiscale or partita IVA (empty for private "
                                                             "donors)."),
        _c("kind", "Kind", "contribution (owed by agreement) or donation."),
        _c("amount_received", "Received", "Amount received in the year, in euros."),
    ), _contribution_rows),
    "pubblicazioni": Dataset("pubblicazioni", _l("Publications under d.lgs. 33/2013 art. 26–27"), (
        _c("publication_id", "Record id", "Identifier of the publication record."),
        _c("year", "Year", "Calendar year of the allocations."),
        _c("beneficiary", "Beneficiary", "Name of the beneficiary (art. 27 c.1 a)."),
        _c("beneficiary_tax_code", "Beneficiary's tax code", "Fiscal data of the beneficiary (art. 27 c.1 a)."),
        _c("amount", "Amount", "Economic advantage granted by the allocations of this record, in euros "
                               "(art. 27 c.1 b)."),
        _c("year_total", "Total of the year", "All allocations approved to the beneficiary in the year, in euros."),
        _c("legal_basis", "Legal basis", "Rule or title on which the grant is based (art. 27 c.1 c)."),
        _c("office", "Office responsible", "Office responsible for the procedure (art. 27 c.1 d)."),
        _c("official", "Official responsible", "Official responsible for the procedure (art. 27 c.1 d)."),
        _c("selection_method", "Selection method", "How the beneficiary was chosen (art. 27 c.1 e)."),
        _c("projects", "Projects", "Titles of the projects funded."),
        _c("project_urls", "Project pages", "Links to the projects selected (art. 27 c.1 f)."),
        _c("published_at", "Published at", "When the record was published (ISO 8601, UTC)."),
    ), _publication_rows),
}
