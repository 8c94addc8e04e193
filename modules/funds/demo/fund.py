"""Demo fund (`flask district demo`): contributions received and owed, a donation, three projects of the demo
cooperative and an open allocation round. Idempotent: everything is found by name or reference first."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select

from app.extensions import db
from app.models import Organisation
from app.settings import get_setting, set_setting

from .. import services
from ..models import Fund, Milestone, Project, ProjectCategory, Round

FUND_NAME = "Fondo welfare territoriale di Oristano"
COOPERATIVE = "Cooperativa Sociale Su Nuraghe"
CONTRIBUTIONS = [  # contributor, amount, source reference, owed on, description, received on (None: still owed)
    ("Sa Butega di Maria Pinna", "33.00", "demo:restituzione:2026-03:sa-butega", date(2026, 4, 5),
     "Restituzione welfare di marzo 2026 (3% di € 1.100,00)", date(2026, 4, 20)),
    ("Welfare Platform Demo S.r.l.", "1850.00", "demo:valore-condiviso:2026-q1:welfare-platform", date(2026, 4, 10),
     "Valore condiviso del primo trimestre 2026", date(2026, 4, 28)),
    ("Libreria Il Nuraghe S.n.c.", "45.60", "demo:restituzione:2026-03:libreria-nuraghe", date(2026, 4, 5),
     "Restituzione welfare di marzo 2026", None),
]
PROJECTS = [  # title, category, budget, status, CUP, description, milestones
    ("Centro diurno per anziani “Is Ainas”", "elderly", "12000.00", "admitted", "J51B26000010005",
     "Apertura pomeridiana del centro diurno con attività motorie e di socializzazione per 30 anziani.",
     [("Ristrutturazione della sala", date(2026, 9, 30), 40), ("Avvio delle attività", date(2026, 11, 15), 0)]),
    ("Orti sociali di Sa Rodia", "work_inclusion", "4800.00", "admitted", None,
     "Orti condivisi con percorsi di inclusione lavorativa per persone seguite dai servizi sociali.",
     [("Preparazione dei terreni", date(2026, 10, 31), 10)]),
    ("Doposcuola inclusivo", "children_families", "6500.00", "proposed", None,
     "Sostegno allo studio per 40 ragazzi delle scuole medie, con educatori e volontari.", []),
]


def _organisation(name: str) -> Organisation | None:
    return db.session.scalar(select(Organisation).where(Organisation.legal_name == name))


def _fund() -> Fund:
    fund = db.session.scalar(select(Fund).where(Fund.name == FUND_NAME))
    if fund is None:
        fund = services.open_fund(FUND_NAME, "Alimentato dalle restituzioni dei negozi aderenti, dal valore "
                                             "condiviso dei provider di welfare e dalle donazioni.", commit=False)
    return fund


def _contributions(fund: Fund) -> None:
    for name, amount, reference, owed_on, description, received_on in CONTRIBUTIONS:
        contribution = services.record_contribution_owed(fund, _organisation(name), amount,
                                                         source_reference=reference, on=owed_on,
                                                         description=description, commit=False)
        if received_on is not None:
            services.record_contribution_received(contribution, on=received_on, commit=False,
                                                  receipt_reference=f"{reference}:bonifico")
    services.record_donation(fund, Decimal("500.00"), on=date(2026, 5, 6), reference="demo:donazione:confcommercio",
                             organisation=_organisation("Confcommercio Oristano"), commit=False,
                             description="Donazione di Confcommercio Oristano per i progetti sociali")


def _projects(cooperative: Organisation) -> None:
    categories = {c.key: c.id for c in db.session.scalars(select(ProjectCategory))}
    for title, category, budget, status, cup, description, milestones in PROJECTS:
        if db.session.scalar(select(Project.id).where(Project.title == title)) is not None:
            continue
        project = Project(title=title, category_id=categories[category], beneficiary_id=cooperative.id,
                          budget=Decimal(budget), status=status, cup=cup, is_public_investment=cup is not None,
                          description=description, start_date=date(2026, 9, 1), end_date=date(2027, 6, 30))
        db.session.add(project)
        db.session.flush()
        for name, due_on, progress in milestones:
            db.session.add(Milestone(project_id=project.id, title=name, due_on=due_on, progress=progress))


def _round(fund: Fund) -> None:
    title = "Bando progetti sociali 2026"
    if db.session.scalar(select(Round.id).where(Round.title == title)) is None:
        db.session.add(Round(fund_id=fund.id, title=title, period_start=date(2026, 6, 1),
                             period_end=date(2026, 12, 31), amount=Decimal("2000.00"),
                             legal_basis="Accordo territoriale per il welfare aziendale del Distretto di Oristano, "
                                         "art. 7 (Fondo per i progetti sociali)",
                             selection_method="Graduatoria approvata dal Comune di Oristano tra i progetti ammessi "
                                              "su avviso pubblico"))


def load() -> None:
    if not get_setting("funds.responsible_office"):
        set_setting("funds.responsible_office", "Settore Servizi Sociali – Comune di Oristano", commit=False)
        set_setting("funds.responsible_official", "Marco Comune, dirigente del Settore", commit=False)
    fund = _fund()
    _contributions(fund)
    cooperative = _organisation(COOPERATIVE)
    if cooperative is not None:
        _projects(cooperative)
    _round(fund)
    db.session.flush()
