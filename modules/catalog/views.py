"""Public pages (no login): the catalogue with its filters, the offer pages with the next free slots,
the citizen's cancellation link and the organisations' agenda feed."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.extensions import db
from app.public import public_link
from app.uploads import absolute_path
from modules.partners.models import Comune, PartnerOrganisation

from . import services
from .agenda import agenda_ics
from .dates import now, today
from .models import offer_comuni

bp = Blueprint("catalog", __name__, url_prefix="/catalogo")
public_link(bp, "catalog.public_list", _l("Catalogue of offers"),
            _l("Services of the district's accredited local suppliers, with their free slots."), order=30)
WELFARE_FILTER = {"1": True, "0": False}


def _served_comuni() -> list[Comune]:
    stmt = select(Comune).where(Comune.istat_code.in_(select(offer_comuni.c.comune_id))).order_by(Comune.name)
    return list(db.session.scalars(stmt))


@bp.get("/")
def public_list():
    args = {key: request.args.get(key, "").strip() for key in ("category", "comune", "welfare", "q")}
    offers = services.public_offers(today(), args["category"] or None, args["comune"] or None,
                                    WELFARE_FILTER.get(args["welfare"]), args["q"] or None)
    return render_template("catalog/public_list.html", offers=offers, args=args,
                           categories=services.categories(), comuni=_served_comuni())


@bp.get("/offerta/<int:offer_id>")
def public_offer(offer_id: int):
    offer = services.public_offer(offer_id, today())
    if offer is None:
        abort(404)
    return render_template("catalog/public_offer.html", offer=offer, photos=services.photos(offer),
                           openings=services.openings(offer, now())[:12])


@bp.get("/foto/<int:upload_id>")
def photo(upload_id: int):
    upload = services.public_photo(upload_id, today())
    if upload is None:
        abort(404)
    response = send_file(absolute_path(upload), mimetype=upload.content_type, etag=upload.sha256, max_age=3600)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.route("/annulla/<token>", methods=("GET", "POST"))
def cancel_booking(token: str):
    booking = services.booking_for_token(token)
    if booking is None:
        abort(404)
    if request.method == "POST" and booking.status == "confirmed":
        services.cancel(booking)
        flash(_("Your booking has been cancelled."), "success")
        return redirect(url_for("catalog.cancel_booking", token=token))
    return render_template("catalog/cancel.html", booking=booking)


@bp.get("/agenda/<token>.ics")
def agenda_feed(token: str):
    organisation_id = services.organisation_for_agenda(token)
    if organisation_id is None or db.session.get(PartnerOrganisation, organisation_id) is None:
        abort(404)
    body = agenda_ics(organisation_id, today(), _("places booked"))
    return Response(body, mimetype="text/calendar", headers={"Cache-Control": "private, no-store"})
