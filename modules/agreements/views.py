"""Public pages (no login): the agreements in force, their parties and adherents, and their PDF."""

from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask_babel import lazy_gettext as _l

from app.extensions import db
from app.public import public_link
from app.uploads import send_upload

from . import services
from .models import Agreement

bp = Blueprint("agreements", __name__, url_prefix="/accordi")
public_link(bp, "agreements.public_list", _l("Agreements"), _l("The agreements in force, their parties and "
                                                               "the organisations that adhere to them"), order=30)


@bp.get("/")
def public_list() -> str:
    return render_template("agreements/public.html", agreements=services.public_agreements(),
                           adherents=services.adherents)


@bp.get("/<int:agreement_id>/accordo.pdf")
def public_pdf(agreement_id: int):
    """The signed version in force, as stored when it was frozen (never rendered again)."""
    agreement = db.session.get(Agreement, agreement_id)
    if agreement is None or agreement.state != "in_force":
        abort(404)
    version = agreement.version(agreement.in_force_version)
    if version is None or version.document is None:
        abort(404)
    return send_upload(version.document.upload)
