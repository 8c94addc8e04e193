"""SecureModelView: Flask-Admin's ModelView with every leak path closed once (DESIGN.md appendix)."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_admin import expose
from flask_admin.contrib.sqla import ModelView
from flask_admin.contrib.sqla.ajax import QueryAjaxModelLoader
from flask_admin.contrib.sqla.form import AdminModelConverter
from flask_admin.form import BaseForm
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from sqlalchemy import Date, DateTime, false, func, inspect, literal_column, select
from sqlalchemy.orm import Query
from wtforms.validators import ValidationError

from ..audit import Audited, history_for
from ..documents import send_export
from ..extensions import db
from ..jobs import enqueue
from ..money import Money, Percent
from ..security.access import can, has_permission
from ..security.rules import AccessDenied, parse_pk, pk_attribute, rule_clause, satisfies
from ..workflow import WorkflowError, WorkflowMixin, log_for

AJAX_LIMIT_MAX = 20
EXPORT_MAX_ROWS = 10_000
BACKGROUND_FORMATS = ("csv", "csv-it", "xlsx")


class SecureForm(FlaskForm, BaseForm):
    """Admin forms carry the same CSRF token as every other form (one CSRFProtect for the app)."""


def scoped_query(model, op: str = "read"):
    """A legacy `Query` for Flask-Admin, narrowed by the same rule clause as `scoped()`."""
    try:
        clause = rule_clause(model, op, current_user)
    except AccessDenied:
        clause = false()
    return db.session.query(model).filter(clause)


class ScopedModelConverter(AdminModelConverter):
    """Relationship dropdowns list only the rows the user may read; a posted foreign id outside
    them fails validation ("Not a valid choice"), so foreign keys are re-checked on save."""

    def _model_select_field(self, prop, multiple, remote_model, **kwargs):
        if prop.key not in getattr(self.view, "_form_ajax_refs", {}):  # ajax fields use ScopedAjaxLoader
            kwargs["query_factory"] = lambda: scoped_query(remote_model)
        return super()._model_select_field(prop, multiple, remote_model, **kwargs)


class ScopedAjaxLoader(QueryAjaxModelLoader):
    """Ajax lookups through the record rules, with a capped page size."""

    def get_query(self):
        return scoped_query(self.model)

    def get_one(self, pk):
        key = parse_pk(self.model, pk)
        if key is None:
            return None
        return self.get_query().filter(pk_attribute(self.model) == key).first()

    def get_list(self, term, offset=0, limit=10):
        limit = max(1, min(int(limit or 10), AJAX_LIMIT_MAX))
        return super().get_list(term or "", max(0, int(offset or 0)), limit)


_OP_BY_ENDPOINT = {"edit_view": "write", "ajax_update": "write", "delete_view": "delete"}


class CappedCountQuery(Query):
    """A count that stops at `cap + 1` rows: on a huge table the list says "more than N" instead of scanning it
    all on every page (flask-admin #2287). Filters and search added later narrow it as usual."""

    _count_cap: int = 0

    def capped(self, cap: int) -> CappedCountQuery:
        self._count_cap = cap
        return self

    def scalar(self):
        inner = self.statement.with_only_columns(literal_column("1")).limit(self._count_cap + 1).subquery()
        return self.session.scalar(select(func.count()).select_from(inner))


class SecureModelView(ModelView):
    form_base_class = SecureForm
    model_form_converter = ScopedModelConverter
    list_template = "admin/distretto/list.html"
    details_template = "admin/distretto/details.html"
    edit_template = "admin/distretto/edit.html"
    create_template = "admin/distretto/create.html"
    can_view_details = True
    can_export = True
    export_types = ["csv", "csv-it", "xlsx"]  # csv-it: `;`, decimal comma, BOM — for Italian Excel
    export_max_rows = EXPORT_MAX_ROWS
    count_cap: int | None = None  # set on views of huge tables: counts stop there ("more than N")
    page_size = 25
    can_set_page_size = True
    page_size_options = (25, 50, 100)
    fast_mass_delete = False
    # What the module allows at most; the access rules decide per user below.
    allow_create = allow_edit = allow_delete = True

    def __init__(self, model, name=None, category=None, endpoint=None, **kwargs):
        self.column_formatters = {**_locale_formatters(model), **(self.column_formatters or {})}
        if self.column_formatters_export is None:
            self.column_formatters_export = {}  # exports keep exact values: the formats are per export type
        self._mask_citizen_data(model)
        super().__init__(model, db, name=name, category=category, endpoint=endpoint, **kwargs)

    def _mask_citizen_data(self, model) -> None:
        """Columns the model declares as citizens' data (`__citizen_data__`) show "(personal data)" on screen
        and are empty in exports for users without `base.read_citizen_data` (auditors read everything else)."""
        citizen = getattr(model, "__citizen_data__", frozenset())
        formatters, exports = dict(self.column_formatters), dict(self.column_formatters_export)
        for name in citizen:
            formatters[name] = _masked(formatters.get(name), _l("(personal data)"))
            exports[name] = _masked(exports.get(name), "")
        self.column_formatters, self.column_formatters_export = formatters, exports

    def get_list(self, page, sort_column, sort_desc, search, filters, *args, **kwargs):
        if search and getattr(self.model, "__citizen_data__", None) and not reads_citizen_data():
            search = None  # a search on names would tell who is in the list
        return super().get_list(page, sort_column, sort_desc, search, filters, *args, **kwargs)

    # Who may do what ---------------------------------------------------------------------
    def _can(self, op: str) -> bool:
        return current_user.is_authenticated and can(current_user, self.model, op)

    @property
    def can_create(self):
        return self.allow_create and self._can("create")

    @property
    def can_edit(self):
        return self.allow_edit and self._can("write")

    @property
    def can_delete(self):
        return self.allow_delete and self._can("delete")

    def is_accessible(self):
        return self._can("read")

    def inaccessible_callback(self, name, **kwargs):
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login", next=request.full_path))
        abort(403)

    # Which rows ------------------------------------------------------------------------------
    def _operation(self) -> str:
        endpoint = (request.endpoint or "").rsplit(".", 1)[-1]
        if endpoint == "action_view":
            return "delete" if request.form.get("action") == "delete" else "write"
        return _OP_BY_ENDPOINT.get(endpoint, "read")

    def _clause(self, op: str | None = None):
        try:
            return rule_clause(self.model, op or self._operation(), current_user)
        except AccessDenied:
            abort(403)

    def get_query(self):
        return super().get_query().filter(self._clause())

    def get_count_query(self):
        if not self.count_cap:
            return super().get_count_query().filter(self._clause())
        query = CappedCountQuery([func.count("*")], session=db.session()).capped(self.count_cap)
        return query.select_from(self.model).filter(self._clause())

    def get_one(self, id):
        key = parse_pk(self.model, id)
        if key is None:
            abort(404)
        record = self.get_query().filter(pk_attribute(self.model) == key).first()
        if record is None:
            abort(404)
        return record

    def _create_ajax_loader(self, name, options):
        attr = getattr(self.model, name)
        remote = attr.property.mapper.class_
        return ScopedAjaxLoader(name, self.session, remote, **options)

    # Saving ------------------------------------------------------------------------------------
    def on_model_change(self, form, model, is_created):
        db.session.flush()
        if not satisfies(model, "create" if is_created else "write", current_user):
            raise ValidationError(_("You cannot save this record: it would fall outside what you may change."))
        if isinstance(model, WorkflowMixin) and model.is_final and not is_created:
            raise ValidationError(_("This record is closed and can no longer be changed."))

    def handle_view_exception(self, exc):
        if isinstance(exc, ValidationError | WorkflowError):
            flash(str(exc), "danger")
            return True
        if isinstance(exc, AccessDenied):
            flash(_("Not allowed."), "danger")
            return True
        return super().handle_view_exception(exc)

    # Exports -----------------------------------------------------------------------------------
    def get_export_columns(self):
        only = self.column_export_list or self.column_list or self.scaffold_list_columns()
        excluded = list(self.column_export_exclude_list or []) + list(self.column_exclude_list or [])
        return self.get_column_names(only_columns=only, excluded_columns=excluded)

    @expose("/export/<export_type>/")
    def export(self, export_type):
        """Italian CSV and XLSX through app.documents, so amounts stay exact numbers and dates stay dates;
        the same columns and row cap as Flask-Admin's own CSV, which is left as it is."""
        ours = export_type in ("csv-it", "xlsx") and export_type in self.export_types
        if not (ours and self.can_export):
            return super().export(export_type)
        _count, records = self._export_data()
        columns = list(self._export_columns)
        rows = ({name: self.get_export_value(record, name) for name, _label in columns} for record in records)
        return send_export(rows, columns, export_type, self.get_export_name(export_type).rsplit(".", 1)[0])

    def _apply_sorting(self, query, joins, sort_column, sort_desc):
        """The chosen order, then the primary key: pages (and background exports) never repeat or skip a row."""
        query, joins = super()._apply_sorting(query, joins, sort_column, sort_desc)
        return query.order_by(pk_attribute(self.model)), joins

    @property
    def background_export_types(self) -> list[str]:
        return [fmt for fmt in self.export_types if fmt in BACKGROUND_FORMATS]

    @expose("/export-job/<export_type>/", methods=("POST",))
    def export_job(self, export_type):
        """The whole filtered list as a job, when it is longer than the row cap of a direct export."""
        if not self.can_export or export_type not in self.background_export_types:
            abort(404)
        query = request.query_string.decode("utf-8", "replace")
        row = enqueue("base.export", current_user, endpoint=self.endpoint, export_type=export_type, query=query)
        flash(_("The export is being prepared: you will find it among your notifications and on the Jobs page."),
              "info")
        return redirect(url_for("job.details_view", id=row.id) if self._jobs_readable() else self.get_url(
            ".index_view", **request.args))

    @staticmethod
    def _jobs_readable() -> bool:
        from ..jobs import Job

        return can(current_user, Job, "read")

    # Record page extras ------------------------------------------------------------------------
    def history(self, record):
        return history_for(record) if isinstance(record, Audited) else []

    def transitions_log(self, record):
        return log_for(record) if isinstance(record, WorkflowMixin) else []


CITIZEN_DATA_PERMISSION = "base.read_citizen_data"


def reads_citizen_data() -> bool:
    return current_user.is_authenticated and has_permission(current_user, CITIZEN_DATA_PERMISSION)


def _masked(formatter, mask):
    def format_cell(view, context, model, name):
        if not reads_citizen_data():
            return mask
        return formatter(view, context, model, name) if formatter else getattr(model, name)

    return format_cell


def _locale_formatters(model) -> dict:
    """Money, percentages and timestamps shown in the reader's locale (exports keep raw values)."""
    from ..templating import date_filter, money_filter, percent_filter

    by_type = {Money: money_filter, Percent: percent_filter, DateTime: date_filter, Date: date_filter}
    formatters = {}
    for attr in inspect(model).column_attrs:
        for sa_type, fmt in by_type.items():
            if isinstance(attr.columns[0].type, sa_type):
                formatters[attr.key] = _formatter(fmt, attr.key)
    return formatters


def _formatter(fmt, key: str):
    return lambda _view, _context, model, _name: fmt(getattr(model, key))


def escaped_link(url: str, text) -> Markup:
    """A link whose text is user data: escaped before it becomes markup."""
    return Markup('<a href="{}">{}</a>').format(escape(url), escape(text))
