"""The fund statement for a period: on screen, as PDF (rendered from HTML) and as XLSX."""

from __future__ import annotations

from datetime import date

from flask import Response, abort, redirect, request, url_for
from flask_admin import BaseView, expose
from flask_login import current_user

from app.documents import export_filename, render_pdf, send_export
from app.security import get_scoped, has_permission, scoped

from .. import services
from ..forms import StatementForm
from ..models import Fund
from ..services.statement import STATEMENT_COLUMNS

PERMISSION = "funds.statement"


class StatementView(BaseView):
    def is_accessible(self):
        return current_user.is_authenticated and has_permission(current_user, PERMISSION)

    def inaccessible_callback(self, name, **kwargs):
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login", next=request.full_path))
        abort(403)

    @expose("/")
    def index(self):
        from app.extensions import db

        funds = list(db.session.scalars(scoped(Fund).order_by(Fund.name)))
        today = services.today()
        form = StatementForm(request.args, fund_id=funds[0].id if funds else None, start=date(today.year, 1, 1),
                             end=today)
        form.fund_id.choices = [(fund.id, fund.name) for fund in funds]
        statement = None
        if request.args and form.validate():
            fund = get_scoped(Fund, form.fund_id.data)
            if fund is None:
                abort(404)
            statement = services.fund_statement(fund, form.start.data, form.end.data)
            fmt = request.args.get("format")
            if fmt == "pdf":
                return _pdf(statement)
            if fmt == "xlsx":
                return send_export(services.statement_rows(statement), STATEMENT_COLUMNS, "xlsx",
                                   _stem(statement))
        return self.render("funds/statement.html", form=form, statement=statement, funds=funds)


def _stem(statement) -> str:
    return f"rendiconto-fondo-{statement.fund.id}-{statement.start:%Y%m%d}-{statement.end:%Y%m%d}"


def _pdf(statement) -> Response:
    data = render_pdf("funds/statement_pdf.html", statement=statement, lang=str(current_user.language or "it"))
    response = Response(data, mimetype="application/pdf")
    response.headers.set("Content-Disposition", "attachment", filename=export_filename(_stem(statement), "pdf"))
    return response
