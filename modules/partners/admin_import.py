"""The "Import organisations" screen: upload, the documented format with templates, the report on screen
and as CSV."""

from __future__ import annotations

from flask import abort, redirect, url_for
from flask_admin import BaseView, expose
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.documents import send_export
from app.extensions import db
from app.security import AccessDenied, get_scoped, has_permission, scoped
from app.uploads import UploadRejected

from . import importing, services
from .forms import ImportForm
from .jobs import PERMISSION_IMPORT
from .models import IMPORT_STATUSES, OrganisationImport


class ImportView(BaseView):
    def is_accessible(self):
        return current_user.is_authenticated and has_permission(current_user, PERMISSION_IMPORT)

    def inaccessible_callback(self, name, **kwargs):
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login"))
        abort(403)

    @expose("/", methods=["GET", "POST"])
    def index(self):
        form = ImportForm()
        if form.validate_on_submit():
            try:
                record = importing.start_import(form.file.data, form.keep_valid_rows.data,
                                                current_user._get_current_object())
            except UploadRejected as exc:
                form.file.errors = [*form.file.errors, str(exc)]
            else:
                return redirect(url_for(".report", import_id=record.id))
        newest_first = scoped(OrganisationImport).order_by(OrganisationImport.id.desc())
        recent = db.session.scalars(newest_first.limit(20))
        return self.render("partners/import.html", form=form, columns=importing.COLUMNS, recent=list(recent),
                           statuses=IMPORT_STATUSES, types=services.organisation_types())

    @expose("/<int:import_id>/")
    def report(self, import_id: int):
        record = self._record(import_id)
        issues_by_row: dict[int, list[dict]] = {}
        for issue in record.issues or []:
            issues_by_row.setdefault(issue["row"], []).append(issue)
        return self.render("partners/import_report.html", record=record, statuses=IMPORT_STATUSES,
                           outcomes=record.outcomes or [], issues=record.issues or [],
                           issues_by_row=issues_by_row, labels=importing.OUTCOME_LABELS,
                           job_error=_job_error(record))

    @expose("/<int:import_id>/report.csv")
    def report_csv(self, import_id: int):
        record = self._record(import_id)
        return send_export(importing.report_rows(record), importing.REPORT_COLUMNS, "csv-it",
                           f"import-{record.id}-report")

    @expose("/template.<fmt>")
    def template(self, fmt: str):
        if fmt not in ("csv", "xlsx"):
            abort(404)
        columns = [(header, header) for header, _field, _help in importing.COLUMNS]
        return send_export([], columns, "csv-it" if fmt == "csv" else "xlsx", "organisations-template")

    def _record(self, import_id: int) -> OrganisationImport:
        record = get_scoped(OrganisationImport, import_id)
        if record is None:
            abort(404)
        return record


def _job_error(record: OrganisationImport) -> str | None:
    job = record.job
    if job is None or job.status != "failed":
        return None
    return (job.error or "").splitlines()[0] if job.error else _("The import failed.")


def imports_widget(user):
    """Imports that were rejected or failed, newest first."""
    try:
        stmt = scoped(select(OrganisationImport), "read", user)
    except AccessDenied:  # a role without access sees no box
        return None
    rows = db.session.scalars(stmt.where(OrganisationImport.status.in_(("rejected", "failed")))
                              .order_by(OrganisationImport.id.desc()).limit(5))
    items = [{"text": f"{row.filename} — {IMPORT_STATUSES[row.status]}",
              "url": url_for("partners_import.report", import_id=row.id)} for row in rows]
    return {"items": items, "empty": _("No import needs your attention.")}
