"""Admin screens of the catalogue: categories, offers (with their booking page), slots, closures,
bookings; and the home widget with the coming bookings."""

from __future__ import annotations

from datetime import date

from flask import abort, flash, redirect, request, url_for
from flask_admin import expose
from flask_admin.actions import action
from flask_admin.contrib.sqla.filters import FilterEqual
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import inspect, select
from wtforms.validators import ValidationError

from app.admin import SecureModelView, Widget
from app.extensions import db
from app.forms import MoneyField
from app.notify import absolute_url
from app.security import get_scoped, has_permission, scoped
from app.uploads import UploadRejected

from . import services
from .dates import now, today
from .forms import BookingForm
from .models import BOOKING_STATUSES, OFFER_STATUSES, WEEKDAYS, Booking, Category, Closure, Offer, Slot

CATEGORY = _l("Catalogue")


def labels_of(model, **extra) -> dict:
    found = {c.key: c.info["label"] for c in inspect(model).columns if "label" in c.info}
    return {**found, **extra}


def _choice(mapping):
    return lambda _view, _context, model, name: mapping.get(getattr(model, name), getattr(model, name))


def _weekday(_view, _context, model, _name):
    return WEEKDAYS[model.weekday]


class CategoryAdmin(SecureModelView):
    allow_delete = False  # offers refer to it: deactivate it instead
    can_export = False
    column_list = ["key", "name_it", "name_en", "sort_order", "is_active"]
    column_labels = labels_of(Category)
    column_default_sort = ("sort_order", False)
    form_columns = ["key", "name_it", "name_en", "sort_order", "is_active"]


class OfferAdmin(SecureModelView):
    allow_delete = False  # bookings refer to it: withdraw it instead
    column_list = ["title_it", "organisation", "category", "price_from", "price_to", "is_welfare_eligible",
                   "valid_from", "valid_to", "status", "is_listed"]
    column_export_list = column_list
    column_labels = labels_of(Offer, organisation=_l("Organisation"), category=_l("Category"),
                              comuni=_l("Comuni served"))
    column_formatters = {"status": _choice(OFFER_STATUSES)}
    column_filters = [FilterEqual(Offer.status, _l("Status"), options=list(OFFER_STATUSES.items())),
                      "is_welfare_eligible", "valid_from"]
    column_searchable_list = ["title_it"]
    column_default_sort = ("title_it", False)
    form_columns = ["organisation", "category", "title_it", "title_en", "description_it", "description_en",
                    "price_from", "price_to", "is_welfare_eligible", "welfare_rule", "comuni", "valid_from",
                    "valid_to", "status"]
    form_overrides = {"price_from": MoneyField, "price_to": MoneyField}
    form_choices = {"status": [(key, label) for key, label in OFFER_STATUSES.items()]}
    form_ajax_refs = {"comuni": {"fields": ["name"], "page_size": 10}}
    form_args = {"price_to": {"description": _l("Leave empty for a single price.")},
                 "welfare_rule": {"description": _l("Under which rule the offer can be paid with welfare credit, "
                                                    "e.g. art. 51 c.2 TUIR.")}}
    details_template = "catalog/offer_details.html"

    def _own_form(self, form):
        """External users (cooperatives, suppliers) keep offers of their own organisation: no choice shown."""
        if current_user.is_external and hasattr(form, "organisation"):
            del form.organisation
        return form

    def create_form(self, obj=None):
        return self._own_form(super().create_form(obj))

    def edit_form(self, obj=None):
        return self._own_form(super().edit_form(obj))

    def on_model_change(self, form, model, is_created):
        if current_user.is_external:
            model.organisation_id = current_user.organisation_id
        if model.price_from is not None and model.price_to is not None and model.price_to < model.price_from:
            raise ValidationError(_("The highest price cannot be lower than the starting price."))
        if model.valid_to is not None and model.valid_from and model.valid_to < model.valid_from:
            raise ValidationError(_("The offer cannot end before it starts."))
        super().on_model_change(form, model, is_created)

    def may_book(self) -> bool:
        return has_permission(current_user, "catalog.book")

    def photos(self, offer: Offer):
        return services.photos(offer)

    def may_add_photo(self, offer: Offer) -> bool:
        return self.can_edit and get_scoped(Offer, offer.id, "write", current_user) is not None

    @expose("/photo/<int:offer_id>/", methods=("POST",))
    def add_photo(self, offer_id: int):
        offer = get_scoped(Offer, offer_id, "write", current_user) if self.can_edit else None
        if offer is None:
            abort(404)
        try:
            services.add_photo(offer, request.files.get("photo"), current_user)
        except UploadRejected as exc:
            flash(str(exc), "danger")
        else:
            flash(_("Photo added."), "success")
        return redirect(url_for(".details_view", id=offer.id))

    @expose("/book/<int:offer_id>/", methods=("GET", "POST"))
    def book(self, offer_id: int):
        if not self.may_book():
            abort(403)
        offer = get_scoped(Offer, offer_id, "read", current_user)
        if offer is None:
            abort(404)
        form = BookingForm()
        # Full slots stay listed: choosing one gets the clear refusal rather than a vanished option.
        openings = services.openings(offer, now(), only_free=False)
        form.opening.choices = [(f"{o.slot.id}:{o.day.isoformat()}", _opening_label(o)) for o in openings]
        if form.validate_on_submit():
            booked = _book(offer, form)
            if booked:
                return redirect(url_for("catalog_booking.details_view", id=booked.id))
        return self.render("catalog/book.html", offer=offer, form=form, openings=openings)


def _opening_label(opening) -> str:
    if not opening.free:
        return _("%(day)s, %(slot)s — full", day=format_date(opening.day, "full"), slot=opening.slot)
    return _("%(day)s, %(slot)s — %(num)d free", day=format_date(opening.day, "full"), slot=opening.slot,
             num=opening.free)


def _book(offer: Offer, form: BookingForm) -> Booking | None:
    slot_id, day = form.opening.data.split(":")
    slot = db.session.get(Slot, int(slot_id))
    if slot is None or slot.offer_id != offer.id:
        abort(404)
    try:
        booking = services.book(slot, date.fromisoformat(day), current_user, now(),
                                **{name: getattr(form, name).data for name in
                                   ("citizen_name", "citizen_email", "citizen_phone", "has_consent",
                                    "anonymous_code")})
    except services.BookingRefused as exc:
        flash(str(exc), "danger")
        return None
    flash(_("Booked: %(booking)s.", booking=booking), "success")
    return booking


class SlotAdmin(SecureModelView):
    can_export = False
    column_list = ["offer", "weekday", "starts_at", "ends_at", "capacity", "valid_from", "valid_to"]
    column_labels = labels_of(Slot, offer=_l("Offer"))
    column_formatters = {"weekday": _weekday}
    column_default_sort = ("weekday", False)
    form_columns = ["offer", "weekday", "starts_at", "ends_at", "capacity", "valid_from", "valid_to"]
    form_choices = {"weekday": [(str(n), label) for n, label in enumerate(WEEKDAYS)]}
    form_args = {"weekday": {"coerce": int}, "capacity": {"description": _l("How many people the slot takes.")}}

    def on_model_change(self, form, model, is_created):
        if model.ends_at <= model.starts_at:
            raise ValidationError(_("The slot must end after it starts."))
        if model.capacity is None or model.capacity < 1:
            raise ValidationError(_("A slot takes at least one person."))
        super().on_model_change(form, model, is_created)


class ClosureAdmin(SecureModelView):
    can_export = False
    column_list = ["offer", "day", "reason"]
    column_labels = labels_of(Closure, offer=_l("Offer"))
    column_default_sort = ("day", True)
    form_columns = ["offer", "day", "reason"]


class BookingAdmin(SecureModelView):
    allow_create = False  # bookings are made from an offer's booking page, which keeps the count of places
    allow_edit = False
    allow_delete = False
    column_list = ["day", "offer", "organisation", "citizen_name", "anonymous_code", "status", "created_at"]
    column_details_list = ["day", "offer", "organisation", "citizen_name", "citizen_email", "citizen_phone",
                           "has_consent", "consent_at", "anonymous_code", "status", "booked_by", "created_at",
                           "cancelled_at", "reminded_at"]
    column_export_list = ["day", "offer", "organisation", "anonymous_code", "status", "created_at"]
    column_labels = labels_of(Booking, offer=_l("Offer"), organisation=_l("Organisation"),
                              booked_by=_l("Booked by"))
    column_formatters = {"status": _choice(BOOKING_STATUSES)}
    column_filters = [FilterEqual(Booking.status, _l("Status"), options=list(BOOKING_STATUSES.items())), "day"]
    column_default_sort = ("day", False)

    @action("cancel", _l("Cancel the booking"), _l("Cancel the selected bookings and free their places?"))
    def action_cancel(self, ids):
        rows = db.session.scalars(scoped(Booking, "write", current_user).where(Booking.id.in_(ids))).all()
        for booking in rows:
            services.cancel(booking)
        flash(_("Bookings cancelled: %(num)d.", num=len(rows)), "success")


def _coming_bookings(user):
    stmt = (scoped(Booking, "read", user).where(Booking.status == "confirmed", Booking.day >= today())
            .order_by(Booking.day, Booking.id).limit(8))
    items = [{"text": f"{format_date(b.day)} — {b.offer.title}",
              "url": url_for("catalog_booking.details_view", id=b.id)} for b in db.session.scalars(stmt)]
    return {"items": items, "empty": _("No booking in the coming days.")}


def _my_agenda(user):
    if user.organisation_id is None or not db.session.scalar(
            select(Offer.id).where(Offer.organisation_id == user.organisation_id).limit(1)):
        return None
    url = absolute_url(url_for("catalog.agenda_feed", token=services.agenda_token(user.organisation_id)))
    return {"items": [{"text": _("Agenda for your calendar (.ics, keep the address private)"), "url": url}],
            "empty": ""}


def register(admin) -> None:
    admin.add_view(OfferAdmin(Offer, name=_l("Offers"), category=CATEGORY, endpoint="catalog_offer"))
    admin.add_view(SlotAdmin(Slot, name=_l("Weekly slots"), category=CATEGORY, endpoint="catalog_slot"))
    admin.add_view(ClosureAdmin(Closure, name=_l("Closures"), category=CATEGORY, endpoint="catalog_closure"))
    admin.add_view(BookingAdmin(Booking, name=_l("Bookings"), category=CATEGORY, endpoint="catalog_booking"))
    admin.add_view(CategoryAdmin(Category, name=_l("Categories"), category=CATEGORY, endpoint="catalog_category"))
    admin.add_widget(Widget("catalog.coming", _l("Coming bookings"), _coming_bookings,
                            roles=("coordinator", "operator", "cooperative"), order=40))
    admin.add_widget(Widget("catalog.agenda", _l("My agenda"), _my_agenda, roles=("cooperative",), order=41))
