"""Admin screens of the accreditation: schemes, document types, applications (with their page of
documents and actions), documents, periods; and the home widgets."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_admin import expose
from flask_admin.contrib.sqla.filters import FilterEmpty, FilterEqual
from flask_babel import format_date, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from wtforms.validators import ValidationError

from app.admin import SecureModelView, escaped_link
from app.admin.views import scoped_query
from app.extensions import db
from app.forms import MoneyField, PercentField
from app.models import Organisation
from app.security import AccessDenied, get_scoped
from app.workflow import WorkflowError
from modules.partners.models import OrganisationType

from . import portal, services, widgets
from .forms import DocumentUploadForm
from .models import PERIOD_STATUSES, STATES, AccreditationPeriod, Application, Document, DocumentType, Scheme
from .requirements import applicable_types

CATEGORY = _l("Accreditation")


# Formatters ----------------------------------------------------------------------------------------
def _state(_view, _context, model, _name):
    return STATES.get(model.state, model.state)


def _period_status(_view, _context, model, _name):
    return PERIOD_STATUSES.get(model.status, model.status)


def _label(attribute: str):
    return lambda _view, _context, model, _name: getattr(model, attribute).label()


def _validity(_view, _context, model, _name):
    if model.validity_days is not None:
        return ngettext("%(num)d day", "%(num)d days", model.validity_days)
    return ngettext("%(num)d month", "%(num)d months", model.validity_months or 0)


def _file_link(_view, _context, model, _name):
    return escaped_link(url_for("files.download", upload_id=model.upload_id), model.upload.original_name)


def _application_link(_view, _context, model, _name):
    return escaped_link(url_for("accreditation_application.details_view", id=model.application_id),
                        model.application)


def labels_of(model, **extra) -> dict:
    """Column labels from the models' `info={"label": ...}`, plus those of relationships and extras."""
    from sqlalchemy import inspect

    found = {column.key: column.info["label"] for column in inspect(model).columns if "label" in column.info}
    return {**found, **extra}


def _previous_link(_view, _context, model, _name):
    if model.previous_id is None:
        return ""
    return escaped_link(url_for("accreditation_application.details_view", id=model.previous_id), model.previous)


class _SchemeOptions:
    """Filter options read when the list page is drawn (schemes are data)."""

    def __iter__(self):
        schemes = db.session.scalars(select(Scheme).order_by(Scheme.sort_order, Scheme.id))
        return iter([(str(scheme.id), scheme.label()) for scheme in schemes])


# Reference data --------------------------------------------------------------------------------------
class SchemeAdmin(SecureModelView):
    allow_delete = False  # applications refer to it: close it to applications instead
    can_export = False
    column_list = ["key", "name_it", "name_en", "requires_shared_value", "period_months", "is_active"]
    column_labels = labels_of(Scheme, organisation_types=_l("Who may apply"),
                              document_types=_l("Documents asked for"))
    column_default_sort = ("sort_order", False)
    form_columns = ["key", "name_it", "name_en", "description", "organisation_types", "document_types",
                    "requires_shared_value", "period_months", "is_active", "sort_order"]
    form_args = {"key": {"description": _l("Lower-case letters and _, never changed once used.")}}

    def on_model_change(self, form, model, is_created):
        if not is_created and form.key.object_data != form.key.data:
            raise ValidationError(_("The key of a scheme cannot change: other modules refer to it."))
        if not model.period_months or model.period_months < 1:
            raise ValidationError(_("The accreditation period must be at least one month."))
        super().on_model_change(form, model, is_created)


class DocumentTypeAdmin(SecureModelView):
    allow_delete = False
    can_export = False
    column_list = ["key", "name_it", "validity", "is_mandatory", "above_threshold_only", "is_active"]
    column_labels = labels_of(DocumentType, validity=_l("Validity"))
    column_formatters = {"validity": _validity}
    column_default_sort = ("sort_order", False)
    form_columns = ["key", "name_it", "name_en", "description", "validity_days", "validity_months",
                    "is_mandatory", "above_threshold_only", "is_active", "sort_order"]
    form_args = {"validity_months": {"description": _l("Either days or months: months end on the same day "
                                                       "of the month, or on the month's last day.")}}

    def on_model_change(self, form, model, is_created):
        if (model.validity_days is None) == (model.validity_months is None):
            raise ValidationError(_("Enter the validity either in days or in months."))
        if (model.validity_days or model.validity_months or 0) < 1:
            raise ValidationError(_("The validity must be at least one day or one month."))
        super().on_model_change(form, model, is_created)


# Applications ------------------------------------------------------------------------------------------
class ApplicationAdmin(SecureModelView):
    allow_delete = False  # decided applications are history; a draft is simply left
    details_template = "accreditation/application_details.html"
    list_template = "accreditation/application_list.html"
    column_list = ["id", "organisation", "scheme", "state", "shared_value_percent", "submitted_at", "starts_on",
                   "valid_until"]
    column_details_list = ["id", "organisation", "scheme", "state", "shared_value_percent",
                           "expected_contract_value", "applicant_note", "previous", "submitted_by",
                           "submitted_at", "decided_by", "decided_at", "starts_on", "valid_until", "created_at"]
    column_export_list = ["id", "organisation", "scheme", "state", "shared_value_percent",
                          "expected_contract_value", "submitted_at", "starts_on", "valid_until"]
    column_labels = labels_of(Application, id=_l("Number"), organisation=_l("Organisation"), scheme=_l("Scheme"),
                              previous=_l("Renews"), submitted_by=_l("Submitted by"), decided_by=_l("Decided by"))
    column_formatters = {"state": _state, "scheme": _label("scheme"), "previous": _previous_link}
    column_formatters_export = {"state": _state, "scheme": _label("scheme")}
    column_filters = [FilterEqual(Application.state, _l("Status"), options=list(STATES.items())),
                      FilterEqual(Application.scheme_id, _l("Scheme"), options=_SchemeOptions()),
                      "starts_on", "valid_until"]
    column_sortable_list = ["id", "state", "submitted_at", "starts_on", "valid_until"]
    column_default_sort = ("id", True)
    form_columns = ["organisation", "scheme", "shared_value_percent", "expected_contract_value", "applicant_note"]
    form_overrides = {"shared_value_percent": PercentField, "expected_contract_value": MoneyField}
    form_args = {
        "shared_value_percent": {"description": _l("Providers only: the share of the welfare spending at the "
                                                   "network's shops given to the district fund, e.g. 2,5.")},
        "expected_contract_value": {"description": _l("Above the threshold in the settings (€ 150.000 unless "
                                                      "changed) the informazione antimafia is required.")},
    }
    form_ajax_refs = {"organisation": {"fields": ["legal_name"], "page_size": 10}}

    # Forms: external users apply only for their own organisation ---------------------------------------
    def create_form(self, obj=None):
        form = super().create_form(obj)
        if current_user.is_external:
            del form.organisation
        form.scheme.query_factory = self._open_schemes
        return form

    @staticmethod
    def _open_schemes():
        """Schemes open to applications; an external user sees those its organisation's type may apply to."""
        query = scoped_query(Scheme).filter(Scheme.is_active.is_(True)).order_by(Scheme.sort_order, Scheme.id)
        if current_user.is_external:
            kind = db.session.scalar(select(Organisation.type).where(Organisation.id == current_user.organisation_id))
            query = query.filter(Scheme.organisation_types.any(OrganisationType.key == kind))
        return query

    def edit_form(self, obj=None):
        form = super().edit_form(obj)
        if current_user.is_external:
            del form.organisation
        return form

    def on_model_change(self, form, model, is_created):
        user = current_user._get_current_object()
        if model.organisation is not None:
            model.organisation_id = model.organisation.id
        if model.scheme is not None:
            model.scheme_id = model.scheme.id
        if is_created:
            services.prepare_new(model, user)
        try:
            services.check_application(model)
        except services.ApplicationInvalid as exc:
            raise ValidationError(str(exc)) from exc
        super().on_model_change(form, model, is_created)

    def handle_view_exception(self, exc):
        if isinstance(exc, IntegrityError) and services.is_duplicate_live(exc):
            flash(_("This organisation already has an application in progress under this scheme."), "danger")
            return True
        return super().handle_view_exception(exc)

    def get_save_return_url(self, model, is_created=False):
        return self.get_url(".details_view", id=model.id)

    # The application page: documents, actions, periods ---------------------------------------------------
    def page(self, application):
        return portal.page(application, current_user._get_current_object())

    def period_label(self, status: str):
        return PERIOD_STATUSES.get(status, status)

    def upload_form(self, application):
        form = DocumentUploadForm()
        form.document_type.choices = [(kind.id, kind.label()) for kind in applicable_types(application)]
        return form

    def _readable(self) -> Application:
        application = get_scoped(Application, request.args.get("id", ""), "read")
        if application is None:
            abort(404)
        return application

    def _back(self, application: Application, anchor: str = ""):
        return redirect(self.get_url(".details_view", id=application.id) + anchor)

    @expose("/transition/", methods=("POST",))
    def transition_view(self):
        application = self._readable()
        name = request.form.get("transition", "")
        transition = Application.__workflow__.transitions.get(name)
        try:
            services.transition(application, name, current_user._get_current_object(),
                                reason=request.form.get("reason"))
        except WorkflowError as exc:
            db.session.rollback()
            flash(str(exc), "danger")
        else:
            flash(_("Done: %(action)s.", action=transition.label), "success")
        return self._back(application)

    @expose("/upload/", methods=("POST",))
    def upload_view(self):
        application = self._readable()
        form = self.upload_form(application)
        if not form.validate_on_submit():
            for errors in form.errors.values():
                for message in errors:
                    flash(str(message), "danger")
            return self._back(application, "#documents")
        try:
            document = services.add_document(application, form.document_type.data, form.issue_date.data,
                                             form.file.data, current_user._get_current_object())
        except (services.DocumentInvalid, AccessDenied) as exc:
            db.session.rollback()
            flash(str(exc) if isinstance(exc, services.DocumentInvalid) else _("Not allowed."), "danger")
        else:
            flash(_("%(document)s saved, valid until %(date)s.", document=document.document_type.label(),
                    date=format_date(document.expiry_date)), "success")
        return self._back(application, "#documents")

    @expose("/renew/", methods=("POST",))
    def renew_view(self):
        application = self._readable()
        if not portal.may_renew(application, current_user):
            abort(403)
        try:
            renewal = services.renew(application, current_user._get_current_object())
        except (WorkflowError, services.ApplicationInvalid, AccessDenied) as exc:
            db.session.rollback()
            flash(str(exc), "danger")
            return self._back(application)
        flash(_("Renewal started: complete it and submit it."), "success")
        return self._back(renewal)


class DocumentAdmin(SecureModelView):
    """Every document with its dates; documents are added and replaced from their application's page."""

    allow_create = allow_edit = allow_delete = False
    column_list = ["organisation", "application", "document_type", "issue_date", "expiry_date", "replaced_by_id",
                   "file"]
    column_details_list = ["organisation", "application", "document_type", "issue_date", "expiry_date",
                           "reminder_sent_on", "uploaded_by", "uploaded_at", "file"]
    column_export_list = ["organisation", "application", "document_type", "issue_date", "expiry_date",
                          "reminder_sent_on"]
    column_labels = labels_of(Document, organisation=_l("Organisation"), application=_l("Application"),
                              document_type=_l("Document type"), replaced_by_id=_l("Replaced"), file=_l("File"),
                              uploaded_by=_l("Uploaded by"))
    column_formatters = {"file": _file_link, "application": _application_link, "document_type": _label("document_type"),
                         "replaced_by_id": lambda _v, _c, m, _n: _("yes") if m.replaced_by_id else _("no")}
    column_formatters_export = {"document_type": _label("document_type")}
    column_filters = [FilterEmpty(Document.replaced_by_id, _l("Current (not replaced)")), "expiry_date",
                      "issue_date"]
    column_default_sort = ("expiry_date", False)


class PeriodAdmin(SecureModelView):
    """The accreditation status as dated periods (written by the workflow, never by hand)."""

    allow_create = allow_edit = allow_delete = False
    column_list = ["organisation", "scheme", "application", "status", "starts_on", "ends_on"]
    column_labels = labels_of(AccreditationPeriod, organisation=_l("Organisation"), scheme=_l("Scheme"),
                              application=_l("Application"))
    column_formatters = {"status": _period_status, "scheme": _label("scheme"), "application": _application_link}
    column_formatters_export = {"status": _period_status, "scheme": _label("scheme")}
    column_filters = [FilterEqual(AccreditationPeriod.status, _l("Status"), options=list(PERIOD_STATUSES.items())),
                      "starts_on", "ends_on"]
    column_default_sort = ("starts_on", True)


def register(admin) -> None:
    admin.add_view(ApplicationAdmin(Application, name=_l("Applications"), category=CATEGORY,
                                    endpoint="accreditation_application"))
    admin.add_view(DocumentAdmin(Document, name=_l("Documents"), category=CATEGORY,
                                 endpoint="accreditation_document"))
    admin.add_view(PeriodAdmin(AccreditationPeriod, name=_l("Accreditation periods"), category=CATEGORY,
                               endpoint="accreditation_period"))
    admin.add_view(SchemeAdmin(Scheme, name=_l("Schemes"), category=CATEGORY, endpoint="accreditation_scheme"))
    admin.add_view(DocumentTypeAdmin(DocumentType, name=_l("Document types"), category=CATEGORY,
                                     endpoint="accreditation_document_type"))
    widgets.register(admin)
