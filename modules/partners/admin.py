"""Admin screens of the registry. The organisations screen takes the kernel's endpoint "organisation",
so the kernel does not add its plain fallback screen."""

from __future__ import annotations

from flask import flash, has_request_context, url_for
from flask_admin.contrib.sqla.filters import FilterEqual
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import case, func, select
from sqlalchemy.exc import IntegrityError
from wtforms.validators import Regexp, ValidationError

from app.admin import SecureModelView, Widget
from app.admin.views import AJAX_LIMIT_MAX, ScopedAjaxLoader
from app.extensions import db
from app.models import Organisation
from app.security import AccessDenied, scoped

from . import forms, services, validators
from .admin_import import ImportView, imports_widget
from .models import (
    RUNTS_SECTIONS,
    STATUSES,
    Comune,
    OrganisationContact,
    OrganisationType,
    PartnerOrganisation,
)

CATEGORY = _l("Registry")
INTERNAL_ONLY_DETAILS = ("notes",)


class ComuneLoader(ScopedAjaxLoader):
    """Comuni by name: the district's province first, then names that start with what was typed."""

    def get_list(self, term, offset=0, limit=10):
        limit = max(1, min(int(limit or 10), AJAX_LIMIT_MAX))
        term = (term or "").strip()
        province = services.district_province()
        query = (self.get_query().filter(Comune.name.ilike(f"%{term}%"))
                 .order_by(case((Comune.province_code == province, 0), else_=1),
                           case((Comune.name.ilike(f"{term}%"), 0), else_=1), Comune.name))
        return query.offset(max(0, int(offset or 0))).limit(limit).all()


class _TypeOptions:
    """Filter options read when the list page is drawn (types are data, not known at start-up)."""

    def __iter__(self):
        return iter(services.type_choices())


def _type_label(_view, _context, model, _name):
    return services.type_labels().get(model.type, model.type)


def _status_label(_view, _context, model, _name):
    return STATUSES.get(model.status, model.status)


def _runts_label(_view, _context, model, _name):
    return RUNTS_SECTIONS.get(model.runts_section, "") if model.runts_section else ""


def _ateco_label(_view, _context, model, _name):
    if not model.ateco_code:
        return ""
    return f"{model.ateco_code} – {validators.ateco_title(model.ateco_code)}"


class OrganisationAdmin(SecureModelView):
    """Every organisation of the district; external users see and edit only their own."""

    allow_delete = False  # organisations are closed, never deleted: everything points at them
    column_list = ["legal_name", "type", "partita_iva", "codice_fiscale", "comune", "comune.province_code",
                   "pec", "status"]
    column_details_list = [*services.EDITABLE_FIELDS, "comune.province_code", "created_at", "updated_at"]
    column_export_list = ["legal_name", "type", "codice_fiscale", "partita_iva", "status", "pec", "rea",
                          "ateco_code", "runts_section", "runts_number", "iban", "legal_rep_name", "street",
                          "cap", "comune", "comune.province_code", "phone", "website"]
    column_labels = {**services.FIELD_LABELS, "comune.province_code": _l("Province"),
                     "comune.name": _l("Comune"), "created_at": _l("Created"), "updated_at": _l("Changed")}
    column_searchable_list = ["legal_name", "partita_iva", "codice_fiscale", "pec"]
    column_sortable_list = ["legal_name", "type", "partita_iva", "codice_fiscale", ("comune", "comune.name"),
                            "status"]
    column_default_sort = ("legal_name", False)
    column_formatters = {"type": _type_label, "status": _status_label, "runts_section": _runts_label,
                         "ateco_code": _ateco_label}
    form_ajax_refs = {"comune": {"fields": ["name"], "page_size": 10}}
    details_template = "partners/organisation_details.html"

    column_filters = [FilterEqual(Organisation.type, _l("Type"), options=_TypeOptions()),
                      FilterEqual(Organisation.status, _l("Status"), options=list(STATUSES.items())),
                      "comune.province_code", "comune.name"]

    # The comune lookup and the two forms ----------------------------------------------------------------
    def _create_ajax_loader(self, name, options):
        if name == "comune":
            return ComuneLoader(name, self.session, Comune, **options)
        return super()._create_ajax_loader(name, options)

    def get_form(self):
        return forms.organisation_form(self.form_base_class, self._form_ajax_refs["comune"],
                                       services.EDITABLE_FIELDS)

    def _refresh_forms_cache(self):
        super()._refresh_forms_cache()
        self._external_form_class = forms.organisation_form(
            self.form_base_class, self._form_ajax_refs["comune"], services.EXTERNAL_FIELDS)

    def create_form(self, obj=None):
        form = super().create_form(obj)
        form.type.choices = [("", "—"), *services.type_choices()]  # a type is chosen, never defaulted
        return form

    def edit_form(self, obj=None):
        if current_user.is_external:
            form = self._external_form_class(formdata=_form_data(), obj=obj)
        else:
            form = super().edit_form(obj)
            form.type.choices = services.type_choices()
        form.partners_organisation = obj
        return form

    def validate_form(self, form):
        """The form's own checks, then the registry's rules (services.clean_organisation)."""
        if not super().validate_form(form):
            return False
        data = {name: form[name].data for name in services.EDITABLE_FIELDS if name in form}
        cleaned = services.clean_organisation(data, getattr(form, "partners_organisation", None))
        for name, message in cleaned.errors.items():
            if name in form:
                form[name].errors = [*form[name].errors, message]
            else:
                flash(message, "danger")
        for name, value in cleaned.values.items():
            if name in form:
                form[name].data = value
        return cleaned.ok

    def on_model_change(self, form, model, is_created):
        try:
            services.check_may_change(current_user, model)
        except services.OrganisationInvalid as exc:
            raise ValidationError(" ".join(exc.errors.values())) from exc
        super().on_model_change(form, model, is_created)

    def handle_view_exception(self, exc):
        if isinstance(exc, IntegrityError) and "partita_iva" in str(exc.orig).lower():
            flash(_("This partita IVA is already registered for another organisation."), "danger")
            return True
        return super().handle_view_exception(exc)

    # Details: contacts, and the district's notes for its own staff only ------------------------------------
    @property
    def _details_columns(self):
        columns = self.__dict__.get("_all_details_columns", [])
        if has_request_context() and current_user.is_authenticated and current_user.is_external:
            return [(name, label) for name, label in columns if name not in INTERNAL_ONLY_DETAILS]
        return columns

    @_details_columns.setter
    def _details_columns(self, value):
        self.__dict__["_all_details_columns"] = value

    def contacts_of(self, organisation):
        try:
            stmt = scoped(OrganisationContact).where(OrganisationContact.organisation_id == organisation.id)
        except AccessDenied:  # a role that may not read contacts sees none
            return []
        return list(db.session.scalars(stmt.order_by(OrganisationContact.is_primary.desc(),
                                                     OrganisationContact.name)))


def _form_data():
    from flask_admin.helpers import get_form_data

    return get_form_data()


class OrganisationContactAdmin(SecureModelView):
    column_list = ["organisation", "name", "role", "email", "phone", "is_primary"]
    column_labels = {"organisation": _l("Organisation"), "name": _l("Name"), "role": _l("Role"),
                     "email": _l("E-mail"), "phone": _l("Phone"), "is_primary": _l("Primary contact")}
    column_searchable_list = ["name", "email"]
    column_sortable_list = [("organisation", "organisation.legal_name"), "name", "is_primary"]
    column_default_sort = ("name", False)
    form_columns = ["organisation", "name", "role", "email", "phone", "is_primary"]
    form_ajax_refs = {"organisation": {"fields": ["legal_name", "partita_iva"], "page_size": 10}}
    form_args = {
        "email": {"validators": [forms.Normalised(validators.email)]},
        "phone": {"validators": [forms.Normalised(validators.phone)]},
    }

    def create_form(self, obj=None):
        form = super().create_form(obj)
        if current_user.is_external and form.organisation.data is None and not form.is_submitted():
            form.organisation.data = db.session.get(PartnerOrganisation, current_user.organisation_id)
        return form

    def on_model_change(self, form, model, is_created):
        super().on_model_change(form, model, is_created)
        services.make_primary(model)


class OrganisationTypeAdmin(SecureModelView):
    allow_delete = False  # organisations keep the key of their type
    can_export = False
    column_list = ["key", "name_it", "name_en", "is_third_sector", "sort_order"]
    column_labels = {"key": _l("Key"), "name_it": _l("Italian name"), "name_en": _l("English name"),
                     "is_third_sector": _l("Third sector"), "sort_order": _l("Order")}
    column_default_sort = ("sort_order", False)
    form_columns = ["key", "name_it", "name_en", "is_third_sector", "sort_order"]
    form_args = {"key": {
        "description": _l("Lower-case letters and _, never changed once used."),
        "validators": [Regexp(r"^[a-z][a-z0-9_]*$", message=_l("Use lower-case letters, digits and _."))],
    }}

    def on_model_change(self, form, model, is_created):
        if not is_created and form.key.object_data != form.key.data:
            raise ValidationError(_("The key of a type cannot change: organisations refer to it."))
        super().on_model_change(form, model, is_created)


def _my_organisation(user):
    if not user.is_external or user.organisation_id is None:
        return None
    own = scoped(select(PartnerOrganisation.id), "read", user)
    own = own.where(PartnerOrganisation.id == user.organisation_id)
    count = db.session.scalar(select(func.count()).select_from(own.subquery()))
    if not count:
        return None
    return {"items": [{"text": _("Keep your organisation's details up to date (PEC, IBAN, contacts)"),
                       "url": url_for("organisation.edit_view", id=user.organisation_id)}],
            "empty": ""}


def register(admin) -> None:
    admin.add_view(OrganisationAdmin(PartnerOrganisation, name=_l("Organisations"), category=CATEGORY,
                                     endpoint="organisation"))
    admin.add_view(OrganisationContactAdmin(OrganisationContact, name=_l("Contacts"), category=CATEGORY,
                                            endpoint="partners_contact"))
    admin.add_view(OrganisationTypeAdmin(OrganisationType, name=_l("Organisation types"), category=CATEGORY,
                                         endpoint="partners_type"))
    admin.add_view(ImportView(name=_l("Import organisations"), category=CATEGORY, endpoint="partners_import"))
    admin.add_widget(Widget("partners.my_organisation", _l("My organisation"), _my_organisation,
                            roles=("social_partner", "provider", "shop", "cooperative"), order=20))
    admin.add_widget(Widget("partners.imports", _l("Organisation imports"), imports_widget,
                            roles=("admin", "coordinator"), order=40))
