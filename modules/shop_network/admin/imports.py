"""Admin screens of the imports: upload a provider's file (with a progress bar and the row-by-row report),
the provider's column mapping, and the transactions list (scoped, filtered, exported)."""

from __future__ import annotations

from datetime import date

from flask import abort, flash, has_app_context, redirect, request, url_for
from flask_admin import BaseView, expose
from flask_admin.babel import lazy_gettext as admin_lazy_gettext
from flask_admin.contrib.sqla.filters import BaseSQLAFilter, BooleanEqualFilter, FilterEqual, IntEqualFilter
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from sqlalchemy import select
from wtforms import BooleanField, SelectField, StringField
from wtforms.validators import InputRequired, Length, Optional

from app.admin import SecureModelView
from app.documents import send_export
from app.extensions import db
from app.jobs import Job
from app.security import get_scoped, has_permission, scoped
from app.uploads import UploadRejected, accepts
from modules.partners.models import PartnerOrganisation

from ..models import ImportBatch, Transaction
from ..models.transaction import BATCH_SOURCES, BATCH_STATUSES, REDEMPTIONS, TRANSACTION_KINDS
from ..services import importing
from . import CATEGORY

PROBLEMS_SHOWN = 200


def _user():
    return current_user._get_current_object()


def provider_choices(user) -> list[tuple[int, str]]:
    """The providers the user may import for: their own organisation, or (staff) every provider."""
    stmt = select(PartnerOrganisation).where(PartnerOrganisation.type == "provider")
    if user.is_external:
        stmt = stmt.where(PartnerOrganisation.id == user.organisation_id)
    return [(p.id, p.legal_name) for p in db.session.scalars(stmt.order_by(PartnerOrganisation.legal_name))]


class UploadForm(FlaskForm):
    provider = SelectField(_l("Provider"), coerce=int, validators=[InputRequired()])
    file = FileField(_l("File (CSV)"), validators=[FileRequired(_l("Choose a file to import."))])
    keep_good_rows = BooleanField(_l("Import the good rows anyway (the bad ones are reported)"))


def mapping_form(data: dict | None = None) -> FlaskForm:
    class MappingForm(FlaskForm):
        pass

    for name, label, _required, aliases in importing.FIELDS:
        description = _("Default: %(headers)s", headers=", ".join(aliases[:4]))
        setattr(MappingForm, name, StringField(label, validators=[Optional(), Length(max=80)],
                                               description=description))
    return MappingForm(data=data)


class ImportView(BaseView):
    """Upload, batches, report and mapping; for coordinators and providers (their own organisation only)."""

    def is_accessible(self):
        return current_user.is_authenticated and has_permission(current_user, importing.PERMISSION)

    def inaccessible_callback(self, name, **kwargs):
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login", next=request.full_path))
        abort(403)

    @expose("/", methods=("GET", "POST"))
    @accepts(importing.USE)
    def index(self):
        user = _user()
        form = UploadForm()
        form.provider.choices = provider_choices(user)
        if len(form.provider.choices) == 1 and request.method == "GET":
            form.provider.data = form.provider.choices[0][0]
        if form.validate_on_submit():
            try:
                batch = importing.start_import(form.file.data, form.provider.data, form.keep_good_rows.data, user)
            except (UploadRejected, importing.ImportRefused) as exc:
                form.file.errors = [*form.file.errors, str(exc)]
            else:
                return redirect(url_for(".batch", batch_id=batch.id))
        batches = db.session.scalars(scoped(ImportBatch, "read", user).order_by(ImportBatch.id.desc()).limit(30))
        return self.render("shop_network/import.html", form=form, batches=list(batches), statuses=BATCH_STATUSES,
                           sources=BATCH_SOURCES, fields=importing.FIELDS, kinds=importing.KINDS,
                           redemptions=importing.REDEMPTIONS)

    @expose("/<int:batch_id>/")
    def batch(self, batch_id: int):
        batch = self._batch(batch_id)
        job = db.session.get(Job, batch.job_id) if batch.job_id else None
        problems = list(importing.problems_of(batch.id, limit=PROBLEMS_SHOWN))
        return self.render("shop_network/import_batch.html", batch=batch, job=job, problems=problems,
                           message_for=importing.message_for, statuses=BATCH_STATUSES, sources=BATCH_SOURCES,
                           shown=PROBLEMS_SHOWN, done=batch.status in (*importing.FINAL_STATUSES, "failed"))

    @expose("/<int:batch_id>/report.csv")
    def report(self, batch_id: int):
        batch = self._batch(batch_id)
        return send_export(importing.report_rows(batch.id), importing.REPORT_COLUMNS, "csv-it",
                           f"import-{batch.id}-segnalazioni")

    @expose("/template.csv")
    def template(self):
        columns = [(aliases[0], aliases[0]) for _name, _label, _required, aliases in importing.FIELDS]
        return send_export([], columns, "csv-it", "transazioni-modello")

    @expose("/mapping/", methods=("GET", "POST"))
    def mapping(self):
        user = _user()
        choices = provider_choices(user)
        if not choices:
            abort(404)
        provider_id = request.args.get("provider", type=int) or choices[0][0]
        if provider_id not in {pid for pid, _name in choices}:
            abort(404)
        form = mapping_form(importing.mapping_for(provider_id) if request.method == "GET" else None)
        if form.validate_on_submit():
            importing.save_mapping(provider_id, {name: getattr(form, name).data for name in importing.FIELD_NAMES},
                                   user)
            flash(_("Column mapping saved."), "success")
            return redirect(url_for(".mapping", provider=provider_id))
        return self.render("shop_network/import_mapping.html", form=form, providers=choices,
                           provider_id=provider_id, field_names=importing.FIELD_NAMES)

    def _batch(self, batch_id: int) -> ImportBatch:
        found = get_scoped(ImportBatch, batch_id, "read", _user())
        if found is None:
            abort(404)
        return found


# The transactions list ------------------------------------------------------------------------------------
def _lazy(options):
    return lambda: options() if has_app_context() else []


def _provider_options():
    stmt = select(PartnerOrganisation).where(PartnerOrganisation.type == "provider")
    return [(str(p.id), p.legal_name) for p in db.session.scalars(stmt.order_by(PartnerOrganisation.legal_name))]


class MonthFilter(BaseSQLAFilter):
    """Transactions of one month, written 2026-03."""

    def apply(self, query, value, alias=None):
        try:
            first = date.fromisoformat(f"{value.strip()}-01")
        except ValueError:
            return query.filter(Transaction.id.is_(None))
        following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
        return query.filter(Transaction.occurred_on >= first, Transaction.occurred_on < following)

    def operation(self):
        return admin_lazy_gettext("equals")


class ShopVatFilter(BaseSQLAFilter):
    """A shop's rows by its partita IVA, found through the shop (the table is indexed by shop, not by P.IVA)."""

    def apply(self, query, value, alias=None):
        shops = select(PartnerOrganisation.id).where(PartnerOrganisation.partita_iva == value.strip())
        return query.filter(Transaction.organisation_id.in_(shops.scalar_subquery()))

    def operation(self):
        return admin_lazy_gettext("equals")


def _choice(mapping):
    return lambda _view, _context, model, name: mapping.get(getattr(model, name), getattr(model, name))


class TransactionAdmin(SecureModelView):
    """Read-only: transactions come from imports and are their own history."""

    allow_create = allow_edit = allow_delete = False
    column_list = ["occurred_on", "provider_tx_id", "provider", "organisation", "partita_iva", "amount", "kind",
                   "refund_of_tx_id", "category", "redemption", "is_late", "batch_id"]
    column_details_list = [*column_list, "occurred_at", "shop_settlement_id", "provider_settlement_id"]
    column_export_list = ["occurred_on", "occurred_at", "provider_tx_id", "provider", "organisation", "partita_iva",
                          "amount", "kind", "refund_of_tx_id", "category", "redemption", "is_late", "batch_id"]
    column_labels = {"occurred_on": _l("Date"), "occurred_at": _l("Date and time"),
                     "provider_tx_id": _l("Provider's transaction id"), "provider": _l("Provider"),
                     "organisation": _l("Shop"), "partita_iva": _l("VAT number"), "amount": _l("Gross amount"),
                     "kind": _l("Kind"), "refund_of_tx_id": _l("Refund of"), "category": _l("Category"),
                     "redemption": _l("Redemption"), "is_late": _l("Late"), "batch_id": _l("Import"),
                     "shop_settlement_id": _l("Shop settlement"),
                     "provider_settlement_id": _l("Provider settlement")}
    column_formatters = {"kind": _choice(TRANSACTION_KINDS), "redemption": _choice(REDEMPTIONS)}
    column_searchable_list = ["provider_tx_id", "partita_iva"]
    column_filters = [
        IntEqualFilter(Transaction.provider_id, _l("Provider"), options=_lazy(_provider_options)),
        ShopVatFilter(Transaction.partita_iva, _l("Shop (VAT number)")),
        MonthFilter(Transaction.occurred_on, _l("Month (YYYY-MM)")),
        FilterEqual(Transaction.kind, _l("Kind"), options=list(TRANSACTION_KINDS.items())),
        BooleanEqualFilter(Transaction.is_late, _l("Late")),
        IntEqualFilter(Transaction.batch_id, _l("Import")),
        "occurred_on",
    ]
    column_default_sort = [("occurred_on", True), ("id", True)]


def register(admin) -> None:
    admin.add_view(ImportView(name=_l("Import transactions"), category=CATEGORY, endpoint="shop_network_import"))
    admin.add_view(TransactionAdmin(Transaction, name=_l("Transactions"), category=CATEGORY,
                                    endpoint="shop_network_transaction"))
