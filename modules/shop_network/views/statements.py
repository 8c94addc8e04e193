"""Statements for shops and providers: the list of their own, the PDF and CSV downloads (anyone else's is a 404),
and the dispute of a draft."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload
from wtforms import TextAreaField
from wtforms.validators import InputRequired, Length

from app.admin import current_admin
from app.documents import send_export
from app.extensions import db
from app.security import AccessDenied, get_scoped, scoped
from app.workflow import WorkflowError

from ..models import Settlement
from ..services import settlement as settling
from ..services import statements as documents
from . import bp

PER_PAGE = 24


class DisputeForm(FlaskForm):
    reason = TextAreaField(_l("Why do you dispute it?"), validators=[InputRequired(), Length(max=2000)])


def _own(settlement_id: int) -> Settlement:
    try:
        found = get_scoped(Settlement, settlement_id, "read", current_user)
    except AccessDenied:
        found = None
    if found is None:
        abort(404)
    return found


def _page() -> int:
    try:
        return max(1, int(request.args.get("page", 1)))
    except ValueError:
        return 1


@bp.get("/estratti")
@login_required
def statements():
    try:
        stmt = scoped(select(Settlement), "read", current_user)
    except AccessDenied:
        abort(403)
    page = _page()
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery()))
    rows = db.session.scalars(stmt.options(joinedload(Settlement.organisation))
                              .order_by(Settlement.month.desc(), Settlement.kind, Settlement.id)
                              .limit(PER_PAGE).offset((page - 1) * PER_PAGE)).all()
    disputable = {s.id for s in rows if s.state == "draft" and s.organisation_id == current_user.organisation_id
                  and current_user.has_role("shop", "provider")}
    return current_admin().index_view.render(
        "shop_network/statements.html", settlements=rows, page=page, pages=max(1, -(-total // PER_PAGE)),
        disputable=disputable, form=DisputeForm())



@bp.get("/estratti/<int:settlement_id>.pdf")
@login_required
def statement_pdf(settlement_id: int):
    settlement = _own(settlement_id)
    response = Response(documents.pdf_bytes(settlement), mimetype="application/pdf")
    response.headers.set("Content-Disposition", "attachment", filename=documents.statement_filename(settlement,
                                                                                                     "pdf"))
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/estratti/<int:settlement_id>.csv")
@login_required
def statement_csv(settlement_id: int):
    settlement = _own(settlement_id)
    stem = documents.statement_filename(settlement, "csv").rsplit(".", 1)[0]
    return send_export(documents.csv_rows(settlement), documents.CSV_COLUMNS, "csv-it", stem)


@bp.post("/estratti/<int:settlement_id>/contesta")
@login_required
def statement_dispute(settlement_id: int):
    settlement = _own(settlement_id)
    form = DisputeForm()
    if not form.validate():
        flash(_("Say why you dispute the statement."), "danger")
        return redirect(url_for(".statements"))
    try:
        settling.dispute(settlement, current_user._get_current_object(), form.reason.data)
    except (settling.SettlementError, WorkflowError) as exc:
        db.session.rollback()
        flash(str(exc), "danger")
    else:
        flash(_("Your dispute has been sent to the coordinators: the statement will not be confirmed until they "
                "answer."), "success")
    return redirect(url_for(".statements"))
