"""Admin screens of the WelfarePoints: desks, needs (the case page with referral, booking and follow-up),
referrals, fringe-benefit limits, the fringe-benefit check and the operators' home widgets."""

from __future__ import annotations

from datetime import date

from flask import abort, flash, redirect, request, url_for
from flask_admin import BaseView, expose
from flask_admin.contrib.sqla.filters import FilterEqual
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, inspect, select
from wtforms.validators import Optional, ValidationError

from app.admin import SecureModelView, Widget
from app.extensions import db
from app.models import Role, User, user_roles
from app.security import AccessDenied, can, get_scoped, has_permission, scoped
from app.workflow import WorkflowError
from modules.catalog import services as catalog
from modules.catalog.models import Booking, Slot

from . import services
from .forms import PERSONAL_FIELDS, FringeCheckForm, MoneyField
from .models import (
    AGE_BANDS,
    CHANNELS,
    HOUSEHOLD_TYPES,
    LEGAL_BASES,
    NEED_STATES,
    OUTCOMES,
    WORK_STATUSES,
    Desk,
    FringeBenefitLimit,
    Need,
    NeedPersonal,
    Referral,
)

CATEGORY = _l("WelfarePoints")
REFUSALS = (services.NeedRefused, catalog.BookingRefused, WorkflowError)
CHOICE_COLUMNS = {"age_band": AGE_BANDS, "household_type": HOUSEHOLD_TYPES, "work_status": WORK_STATUSES,
                  "channel": CHANNELS, "legal_basis": LEGAL_BASES, "outcome": OUTCOMES, "status": NEED_STATES}


def labels_of(model, **extra) -> dict:
    found = {c.key: c.info["label"] for c in inspect(model).columns if "label" in c.info}
    return {**found, **extra}


def _choice(mapping):
    return lambda _view, _context, model, name: mapping.get(getattr(model, name), getattr(model, name) or "")


def _user():
    return current_user._get_current_object()


def operator_users() -> list[User]:
    """Active users with the operator role: whom a desk can be assigned to. Coordinators may not read the
    users' table, so this one list is the exception, limited to operators' names."""
    stmt = (select(User).join(user_roles, user_roles.c.user_id == User.id).join(Role, Role.id == user_roles.c.role_id)
            .where(Role.key == "operator", User.is_active.is_(True)).order_by(User.full_name, User.email))
    return list(db.session.scalars(stmt))


class DeskAdmin(SecureModelView):
    allow_delete = False  # needs refer to it: deactivate it instead
    column_list = ["name", "host_organisation", "comune", "address", "is_active"]
    column_details_list = ["name", "host_organisation", "address", "comune", "opening_hours", "phone", "email",
                           "operators", "is_active"]
    column_export_list = ["name", "host_organisation", "address", "comune", "opening_hours", "phone", "email",
                          "is_active"]
    column_labels = labels_of(Desk, host_organisation=_l("Host organisation"), comune=_l("Comune"),
                              operators=_l("Operators"))
    column_searchable_list = ["name", "address"]
    column_filters = ["is_active"]
    column_default_sort = ("name", False)
    form_columns = ["name", "host_organisation", "address", "comune", "opening_hours", "phone", "email",
                    "operators", "is_active"]
    form_ajax_refs = {"comune": {"fields": ["name"], "page_size": 10},
                      "host_organisation": {"fields": ["legal_name"], "page_size": 10}}
    form_args = {"opening_hours": {"description": _l("As the desk's visitors read it, e.g. Monday–Friday "
                                                     "9:00–13:00.")},
                 "operators": {"description": _l("Users with the WelfarePoint operator role; they see only "
                                                 "the cases of their desks.")}}

    def _operators_field(self, form):
        if hasattr(form, "operators"):
            form.operators.query_factory = operator_users
        return form

    def create_form(self, obj=None):
        return self._operators_field(super().create_form(obj))

    def edit_form(self, obj=None):
        return self._operators_field(super().edit_form(obj))


class NeedAdmin(SecureModelView):
    allow_delete = False  # a case is closed, never deleted; its personal data is erased by the retention job
    details_template = "welfare_points/need_details.html"
    column_list = ["code", "opened_on", "desk", "category", "comune", "status", "outcome"]
    column_details_list = ["code", "opened_on", "desk", "category", "comune", "age_band", "household_type",
                           "work_status", "channel", "legal_basis", "has_consent", "consent_at", "status",
                           "outcome", "closed_at", "personal_erased_at", "recorded_by"]
    column_export_list = ["code", "opened_on", "desk", "category", "comune", "age_band", "household_type",
                          "work_status", "channel", "legal_basis", "has_consent", "status", "outcome", "closed_at",
                          "personal_erased_at"]
    column_labels = labels_of(Need, desk=_l("Desk"), category=_l("Category"), comune=_l("Comune"),
                              recorded_by=_l("Recorded by"))
    column_formatters = {name: _choice(mapping) for name, mapping in CHOICE_COLUMNS.items()}
    column_formatters_export = column_formatters
    column_filters = [FilterEqual(Need.status, _l("Status"), options=list(NEED_STATES.items())),
                      "desk.name", "category.name_it", "opened_on"]
    column_searchable_list = ["code"]
    column_default_sort = ("opened_on", True)
    form_columns = ["desk", "category", "comune", "age_band", "household_type", "work_status", "channel",
                    "legal_basis", "has_consent", *PERSONAL_FIELDS]
    form_extra_fields = PERSONAL_FIELDS
    form_choices = {name: list(CHOICE_COLUMNS[name].items())
                    for name in ("age_band", "household_type", "work_status", "channel", "legal_basis")}
    form_ajax_refs = {"comune": {"fields": ["name"], "page_size": 10}}
    form_args = {"comune": {"description": _l("Where the person lives; leave empty for the desk's comune."),
                            "validators": [Optional()]},
                 "has_consent": {"label": _l("The person consents to the processing of their data for this "
                                             "request")}}

    # Forms: the anonymous fields on the need, the personal ones apart ------------------------------------
    def create_form(self, obj=None):
        form = super().create_form(obj)
        desks = db.session.scalars(scoped(Desk, "read").where(Desk.is_active.is_(True)).limit(2)).all()
        if request.method == "GET" and len(desks) == 1:
            form.desk.data = desks[0]  # an operator at one desk does not choose it every time
        return form

    def on_form_prefill(self, form, id):
        personal = self.personal_of(self.get_one(id))
        for name in PERSONAL_FIELDS:
            getattr(form, name).data = getattr(personal, name) if personal else None

    @staticmethod
    def _values(form) -> tuple[dict, dict]:
        names = ("desk", "category", "comune", "age_band", "household_type", "work_status", "channel",
                 "legal_basis", "has_consent")
        values = {name: getattr(form, name).data for name in names}
        return values, {name: getattr(form, name).data for name in PERSONAL_FIELDS}

    def create_model(self, form):
        try:
            return services.record_need(_user(), *self._values(form))
        except REFUSALS as exc:
            flash(str(exc), "danger")
            return False

    def get_save_return_url(self, model, is_created=False):
        return url_for(".details_view", id=model.id)  # the case page: refer and book from there

    def update_model(self, form, model):
        try:
            services.update_need(model, _user(), *self._values(form))
        except REFUSALS as exc:
            db.session.rollback()
            flash(str(exc), "danger")
            return False
        return True

    # The case page ---------------------------------------------------------------------------------------
    def personal_of(self, need: Need) -> NeedPersonal | None:
        """The person's data if the user may see it (never auditors), else None."""
        if not can(current_user, NeedPersonal, "read"):
            return None
        return db.session.scalar(scoped(NeedPersonal, "read").where(NeedPersonal.need_id == need.id))

    def may_see_personal(self) -> bool:
        return can(current_user, NeedPersonal, "read")

    def may_act(self, need: Need) -> bool:
        return (not need.is_closed and has_permission(current_user, "welfare_points.refer")
                and self._writable(need.id) is not None)

    def _writable(self, need_id) -> Need | None:
        try:
            return get_scoped(Need, need_id, "write", current_user)
        except AccessDenied:
            return None

    def referrals(self, need: Need) -> list[Referral]:
        return list(db.session.scalars(scoped(Referral, "read").where(Referral.need_id == need.id)
                                       .order_by(Referral.id)))

    def offers_to_refer(self, need: Need):
        already = {r.offer_id for r in need.referrals}
        return [o for o in services.referable_offers(need, services.today()) if o.id not in already]

    def openings(self, referral: Referral):
        return catalog.openings(referral.offer, services.now(), only_free=False)

    def opening_label(self, opening) -> str:
        if not opening.free:
            return _("%(day)s, %(slot)s — full", day=format_date(opening.day, "full"), slot=opening.slot)
        return _("%(day)s, %(slot)s — %(num)d free", day=format_date(opening.day, "full"), slot=opening.slot,
                 num=opening.free)

    def closing_transitions(self, need: Need):
        return [t for t in Need.__workflow__.available(need, current_user) if t.name in ("resolve", "not_resolve")]

    def outcomes(self):
        return list(OUTCOMES.items())

    def _acting_need(self, need_id) -> Need:
        need = self._writable(need_id)
        if need is None or not has_permission(current_user, "welfare_points.refer"):
            abort(404)
        return need

    def _acting_referral(self, referral_id) -> Referral:
        try:
            referral = get_scoped(Referral, referral_id, "write", current_user)
        except AccessDenied:
            referral = None
        if referral is None:
            abort(404)
        self._acting_need(referral.need_id)
        return referral

    def _back(self, need_id: int):
        return redirect(url_for(".details_view", id=need_id))

    @expose("/refer/", methods=("POST",))
    def refer(self):
        need = self._acting_need(request.form.get("id", ""))
        offer_ids = [int(v) for v in request.form.getlist("offer_ids") if v.isdigit()]
        try:
            added = services.refer(need, offer_ids, _user(), services.today())
        except REFUSALS as exc:
            db.session.rollback()
            flash(str(exc), "danger")
        else:
            flash(_("Referred to %(num)d offers.", num=len(added)), "success")
        return self._back(need.id)

    @expose("/book/", methods=("POST",))
    def book(self):
        referral = self._acting_referral(request.form.get("referral_id", ""))
        slot_id, _sep, day = (request.form.get("opening") or "").partition(":")
        slot = db.session.get(Slot, int(slot_id)) if slot_id.isdigit() else None
        try:
            when = date.fromisoformat(day)
        except ValueError:
            when = None
        if slot is None or when is None:
            flash(_("Choose a day and time."), "danger")
            return self._back(referral.need_id)
        try:
            booking = services.book(referral, slot, when, _user(), services.now(),
                                    with_name=request.form.get("with_name") == "1")
        except REFUSALS as exc:
            db.session.rollback()
            flash(str(exc), "danger")
        else:
            flash(_("Booked: %(booking)s.", booking=booking), "success")
        return self._back(referral.need_id)

    @expose("/cancel-booking/", methods=("POST",))
    def cancel_booking(self):
        referral = self._acting_referral(request.form.get("referral_id", ""))
        try:
            services.cancel_booking(referral)
        except REFUSALS as exc:
            flash(str(exc), "danger")
        else:
            flash(_("Booking cancelled: the place is free again."), "success")
        return self._back(referral.need_id)

    @expose("/close/", methods=("POST",))
    def close(self):
        need = self._acting_need(request.form.get("id", ""))
        try:
            services.close(need, request.form.get("transition", ""), _user(), request.form.get("outcome"),
                           (request.form.get("reason") or "").strip() or None)
        except REFUSALS as exc:
            db.session.rollback()
            flash(str(exc), "danger")
        else:
            flash(_("Case closed: %(state)s.", state=need.state_label), "success")
        return self._back(need.id)


class ReferralAdmin(SecureModelView):
    allow_create = False  # referrals are made from the case page
    allow_edit = False
    allow_delete = False
    column_list = ["need", "offer", "booking", "created_at"]
    column_export_list = ["need", "offer", "booking", "created_at"]
    column_labels = labels_of(Referral, need=_l("Case"), offer=_l("Offer"), booking=_l("Booking"))
    column_default_sort = ("created_at", True)


class FringeBenefitLimitAdmin(SecureModelView):
    allow_delete = False  # a year's limits are corrected, never removed
    can_export = False
    column_list = ["year", "base_limit", "children_limit", "legal_reference"]
    column_labels = labels_of(FringeBenefitLimit)
    column_default_sort = ("year", True)
    form_columns = ["year", "base_limit", "children_limit", "legal_reference"]
    form_overrides = {"base_limit": MoneyField, "children_limit": MoneyField}

    def on_model_change(self, form, model, is_created):
        if model.base_limit is None or model.children_limit is None:
            raise ValidationError(_("Enter both limits."))
        if model.children_limit < model.base_limit:
            raise ValidationError(_("The limit with dependent children cannot be lower than the other."))
        super().on_model_change(form, model, is_created)


class FringeCheckView(BaseView):
    """Fringe-benefit check for operators advising workers: warns, never blocks."""

    def is_accessible(self):
        return current_user.is_authenticated and has_permission(current_user, "welfare_points.fringe_check")

    def inaccessible_callback(self, name, **kwargs):
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login", next=request.full_path))
        abort(403)

    @expose("/", methods=("GET", "POST"))
    def index(self):
        form = FringeCheckForm()
        result, problem = None, None
        if form.validate_on_submit():
            try:
                result = services.check_fringe(form.year.data, services.parse_amounts(form.received.data),
                                               services.parse_amount(form.new_amount.data), form.has_children.data)
            except (ValueError, services.NoLimits) as exc:
                problem = str(exc)
        return self.render("welfare_points/fringe_check.html", form=form, result=result, problem=problem)


# Home widgets ---------------------------------------------------------------------------------------------
def _scoped_or_none(stmt, user):
    try:
        return scoped(stmt, "read", user)
    except AccessDenied:
        return None


def todays_bookings(user):
    """Today's bookings made for the cases of the user's desks."""
    needs = _scoped_or_none(select(Need.id), user)
    if needs is None:
        return None
    stmt = (select(Booking, Referral).join(Referral, Referral.booking_id == Booking.id)
            .where(Referral.need_id.in_(needs), Booking.day == services.today(), Booking.status == "confirmed")
            .order_by(Booking.id).limit(10))
    items = [{"text": f"{booking.slot.starts_at:%H:%M} · {booking.offer.title} · {referral.need.code}",
              "url": url_for("welfare_points_need.details_view", id=referral.need_id)}
             for booking, referral in db.session.execute(stmt)]
    return {"items": items, "empty": _("No booking today at your desks.")}


def cases_to_follow(user):
    """Open and referred cases of the user's desks, oldest first."""
    stmt = _scoped_or_none(select(Need).where(Need.status.in_(("open", "referred"))), user)
    if stmt is None:
        return None
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery()))
    items = [{"text": f"{format_date(n.opened_on)} · {n.code} · {n.category} · {n.state_label}",
              "url": url_for("welfare_points_need.details_view", id=n.id)}
             for n in db.session.scalars(stmt.order_by(Need.opened_on, Need.id).limit(8))]
    if total > len(items):
        items.append({"text": _("All %(num)d cases to follow up", num=total),
                      "url": url_for("welfare_points_need.index_view")})
    return {"items": items, "empty": _("No case to follow up.")}


def register(admin) -> None:
    admin.add_view(NeedAdmin(Need, name=_l("Needs"), category=CATEGORY, endpoint="welfare_points_need"))
    admin.add_view(ReferralAdmin(Referral, name=_l("Referrals"), category=CATEGORY,
                                 endpoint="welfare_points_referral"))
    admin.add_view(DeskAdmin(Desk, name=_l("Desks"), category=CATEGORY, endpoint="welfare_points_desk"))
    admin.add_view(FringeCheckView(name=_l("Fringe-benefit check"), category=CATEGORY,
                                   endpoint="welfare_points_fringe"))
    admin.add_view(FringeBenefitLimitAdmin(FringeBenefitLimit, name=_l("Fringe-benefit limits"), category=CATEGORY,
                                           endpoint="welfare_points_fringe_limit"))
    desk_roles = ("operator", "coordinator")
    admin.add_widget(Widget("welfare_points.today", _l("Today's bookings at my desks"), todays_bookings,
                            roles=desk_roles, order=20))
    admin.add_widget(Widget("welfare_points.follow_up", _l("Cases to follow up"), cases_to_follow,
                            roles=desk_roles, order=21))
