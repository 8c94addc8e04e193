"""Public transparency pages of the fund (no login), each with CSV and JSON downloads of the same data.

URLs under /trasparenza: the totals, projects (and each project's page), allocations, contributions by
organisation and year, the art. 26–27 publications, and the documentation of the open data.
"""

from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask_babel import lazy_gettext as _l

from app.documents import send_export
from app.public import public_link

from .models import CONTRIBUTION_KINDS
from .services import public

bp = Blueprint("funds", __name__, url_prefix="/trasparenza")
public_link(bp, "funds.public_overview", _l("Fund transparency"),
            _l("What the district fund has received, allocated and paid, the projects it funds and the "
               "publications under d.lgs. 33/2013, with open data."), order=40)


@bp.get("/")
def public_overview():
    funds = [(fund, public.totals(fund)) for fund in public.active_funds()]
    return render_template("funds/public/overview.html", funds=funds, datasets=public.DATASETS)


@bp.get("/progetti")
def public_projects():
    allocated, paid = public.project_money()
    return render_template("funds/public/projects.html", projects=public.public_projects(), allocated=allocated,
                           paid=paid, dataset=public.DATASETS["progetti"])


@bp.get("/progetti/<int:project_id>")
def public_project(project_id: int):
    project = public.public_project(project_id)
    if project is None:
        abort(404)
    allocated, paid = public.project_money()
    allocations = [a for a in public.public_allocations() if a.project_id == project.id]
    return render_template("funds/public/project.html", project=project, allocations=allocations,
                           allocated=allocated.get(project.id, 0), paid=paid.get(project.id, 0))


@bp.get("/allocazioni")
def public_allocations():
    dataset = public.DATASETS["allocazioni"]
    return render_template("funds/public/allocations.html", rows=dataset.rows(), dataset=dataset)


@bp.get("/contributi")
def public_contributions():
    dataset = public.DATASETS["contributi"]
    return render_template("funds/public/contributions.html", rows=dataset.rows(), dataset=dataset,
                           kinds=CONTRIBUTION_KINDS)


@bp.get("/pubblicazioni")
def public_publications():
    dataset = public.DATASETS["pubblicazioni"]
    return render_template("funds/public/publications.html", rows=dataset.rows(), dataset=dataset)


@bp.get("/dati")
def open_data():
    return render_template("funds/public/open_data.html", datasets=public.DATASETS)


@bp.get("/dati/<name>.<any(csv, json):fmt>")
def download(name: str, fmt: str):
    dataset = public.DATASETS.get(name)
    if dataset is None:
        abort(404)
    return send_export(dataset.rows(), dataset.export_columns, fmt, f"fondo-{dataset.name}")
