"""Screens of projects, their milestones and categories."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from wtforms.validators import InputRequired, NumberRange, ValidationError

from app.admin import SecureModelView
from app.extensions import db
from app.forms import PositiveMoneyField
from app.security import scoped

from .. import services
from ..forms import CupField
from ..models import PROJECT_STATES, Allocation, Milestone, Project, ProjectCategory
from .common import FundsModelView, state_column

PROJECT_LABELS = {
    "title": _l("Title"), "description": _l("Description"), "category": _l("Category"),
    "beneficiary": _l("Beneficiary"), "is_public_investment": _l("Public investment project"), "cup": _l("CUP"),
    "budget": _l("Budget"), "start_date": _l("Starts on"), "end_date": _l("Ends on"), "status": _l("Status"),
    "progress": _l("Progress (%)"), "created_at": _l("Created"), "proposed_by": _l("Proposed by"),
}


class ProjectCategoryAdmin(SecureModelView):
    allow_delete = False  # projects keep their category
    can_export = False
    column_list = ["key", "name_it", "name_en", "sort_order"]
    column_labels = {"key": _l("Key"), "name_it": _l("Italian name"), "name_en": _l("English name"),
                     "sort_order": _l("Order")}
    column_default_sort = ("sort_order", False)
    form_columns = ["key", "name_it", "name_en", "sort_order"]


class ProjectAdmin(FundsModelView):
    allow_delete = False  # projects are closed, never deleted
    manual_transitions = ("admit", "start", "complete", "close")
    column_list = ["title", "beneficiary", "category", "status", "budget", "progress"]
    column_details_list = ["title", "description", "category", "beneficiary", "is_public_investment", "cup",
                           "budget", "start_date", "end_date", "status", "progress", "proposed_by", "created_at"]
    column_export_list = ["title", "beneficiary", "category", "cup", "status", "budget", "start_date", "end_date",
                          "progress"]
    column_labels = PROJECT_LABELS
    column_formatters = state_column()
    column_formatters_export = state_column()
    column_searchable_list = ["title", "cup"]
    column_filters = ["status", "category.name_it", "is_public_investment"]
    column_sortable_list = ["title", "status", "budget"]
    column_default_sort = ("title", False)
    form_columns = ["title", "description", "category", "beneficiary", "is_public_investment", "cup", "budget",
                    "start_date", "end_date"]
    form_ajax_refs = {"beneficiary": {"fields": ["legal_name"], "page_size": 10}}
    form_overrides = {"cup": CupField, "budget": PositiveMoneyField}
    form_args = {"cup": {"description": _l("15 characters, e.g. J51B20000010005; required for public "
                                           "investment projects.")},
                 "budget": {"validators": [InputRequired()]}}

    def _own_form(self, form):
        if current_user.is_external and "beneficiary" in form:
            del form["beneficiary"]  # a cooperative's projects are its own
        return form

    def create_form(self, obj=None):
        return self._own_form(super().create_form(obj))

    def edit_form(self, obj=None):
        return self._own_form(super().edit_form(obj))

    def on_model_change(self, form, model, is_created):
        if current_user.is_external:
            model.beneficiary_id = current_user.organisation_id
        if is_created:
            model.proposed_by_id = current_user.id
        if model.beneficiary is None and model.beneficiary_id is None:
            raise ValidationError(_("Choose the beneficiary."))
        errors = services.check_project(model)
        if errors:
            raise ValidationError(" ".join(errors.values()))
        super().on_model_change(form, model, is_created)

    def extra_details(self, record) -> dict:
        allocations = db.session.scalars(scoped(Allocation).where(Allocation.project_id == record.id)
                                         .order_by(Allocation.id))
        return {"template": "funds/_project_extra.html", "allocations": list(allocations),
                "milestones": record.milestones, "states": PROJECT_STATES}


class MilestoneAdmin(SecureModelView):
    column_list = ["project", "title", "due_on", "progress"]
    column_labels = {"project": _l("Project"), "title": _l("Title"), "due_on": _l("Due on"),
                     "progress": _l("Progress (%)"), "note": _l("Note")}
    column_default_sort = ("due_on", False)
    column_searchable_list = ["title"]
    form_columns = ["project", "title", "due_on", "progress", "note"]
    form_args = {"progress": {"validators": [NumberRange(0, 100)]}}

    def create_form(self, obj=None):
        form = super().create_form(obj)
        if current_user.is_external:  # only projects the cooperative may still work on
            form.project.query_factory = lambda: db.session.scalars(
                scoped(select(Project), "read").where(Project.status.notin_(("completed", "closed")))).all()
        return form


def register(admin, category) -> None:
    admin.add_view(ProjectAdmin(Project, name=_l("Projects"), category=category, endpoint="funds_project"))
    admin.add_view(MilestoneAdmin(Milestone, name=_l("Milestones"), category=category, endpoint="funds_milestone"))
    admin.add_view(ProjectCategoryAdmin(ProjectCategory, name=_l("Project categories"), category=category,
                                        endpoint="funds_category"))
