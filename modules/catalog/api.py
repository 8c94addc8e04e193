"""The catalogue's API: the offers a token's user may read, and the public catalogue."""

from __future__ import annotations

from flask import jsonify, request

from app.api import api_user, paginated
from app.security import scoped

from . import services
from .dates import today
from .models import Offer

_TEXT = {"type": "string", "nullable": True}
OFFER_SCHEMA = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"}, "organisation_id": {"type": "integer"}, "organisation": {"type": "string"},
        "category": {"type": "string"}, "title_it": {"type": "string"}, "title_en": _TEXT,
        "price_from": {**_TEXT, "description": "Euros, 2 places"}, "price_to": _TEXT,
        "is_welfare_eligible": {"type": "boolean"}, "welfare_rule": _TEXT,
        "comuni": {"type": "array", "items": {"type": "string", "description": "ISTAT code"}},
        "valid_from": {"type": "string", "format": "date"}, "valid_to": {**_TEXT, "format": "date"},
        "status": {"type": "string"},
    },
}
PUBLIC_PARAMS = [{"name": name, "in": "query", "schema": {"type": "string"}, "description": text} for name, text in (
    ("category", "A category key, e.g. elderly_care"), ("comune", "An ISTAT comune code"),
    ("welfare", "1: welfare-eligible only, 0: not welfare-eligible only"))]
PAGE_PARAMS = [{"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}},
               {"name": "per_page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100}}]


def _text(value) -> str | None:
    return None if value is None else str(value)


def offer_json(offer: Offer) -> dict:
    return {
        "id": offer.id, "organisation_id": offer.organisation_id, "organisation": offer.organisation.legal_name,
        "category": offer.category.key, "title_it": offer.title_it, "title_en": offer.title_en,
        "price_from": _text(offer.price_from), "price_to": _text(offer.price_to),
        "is_welfare_eligible": offer.is_welfare_eligible, "welfare_rule": offer.welfare_rule,
        "comuni": [comune.istat_code for comune in offer.comuni], "valid_from": offer.valid_from.isoformat(),
        "valid_to": _text(offer.valid_to and offer.valid_to.isoformat()), "status": offer.status,
    }


def register(api) -> None:
    @api.route("/catalog/offers", summary="Offers the user may read (paged)", tag="catalog", model=Offer,
               params=PAGE_PARAMS, response={"type": "object", "properties": {
                   "items": {"type": "array", "items": OFFER_SCHEMA}, "total": {"type": "integer"}}})
    def offers():
        return jsonify(paginated(scoped(Offer, "read", api_user()).order_by(Offer.id), offer_json))

    @api.route("/public/catalog", summary="The public catalogue: offers of accredited local suppliers today",
               tag="catalog", public=True, params=PUBLIC_PARAMS,
               response={"type": "object", "properties": {"items": {"type": "array", "items": OFFER_SCHEMA}}})
    def public_catalog():
        welfare = {"1": True, "0": False}.get(request.args.get("welfare", ""))
        found = services.public_offers(today(), request.args.get("category") or None,
                                       request.args.get("comune") or None, welfare)
        return jsonify({"items": [offer_json(offer) for offer in found]})
