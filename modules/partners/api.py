"""The registry's API: read organisations (same rules as the admin), update one with the form's validation."""

from __future__ import annotations

from flask import abort, jsonify, request

from app.api import api_user, paginated
from app.models import Organisation
from app.security import get_scoped, scoped

from . import services
from .models import PartnerOrganisation

_TEXT = {"type": "string", "nullable": True}
ORGANISATION_SCHEMA = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"}, "legal_name": {"type": "string"}, "type": {"type": "string"},
        "status": {"type": "string"},
        **{name: _TEXT for name in ("codice_fiscale", "partita_iva", "pec", "rea", "ateco_code",
                                    "runts_section", "runts_number", "iban", "street", "cap", "comune",
                                    "comune_istat", "province", "phone", "website")},
    },
}
PAGE_PARAMS = [
    {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}},
    {"name": "per_page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100}},
]
PAGE_SCHEMA = {"type": "object", "properties": {"items": {"type": "array", "items": ORGANISATION_SCHEMA},
                                                "total": {"type": "integer"}}}
_PLAIN_FIELDS = ("legal_name", "type", "codice_fiscale", "partita_iva", "status", "pec", "rea", "ateco_code",
                 "runts_section", "runts_number", "iban", "street", "cap", "phone", "website")
ID_PARAM = [{"name": "organisation_id", "in": "path", "required": True, "schema": {"type": "integer"}}]


def organisation_json(organisation: PartnerOrganisation) -> dict:
    data = {name: getattr(organisation, name) for name in _PLAIN_FIELDS}
    comune = organisation.comune
    data.update(id=organisation.id, comune=comune.name if comune else None,
                comune_istat=comune.istat_code if comune else None, province=organisation.province)
    return data


def _changes() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        abort(400, description="Send a JSON object with the fields to change.")
    data = {key: value for key, value in body.items() if key in services.EDITABLE_FIELDS and key != "notes"}
    if "comune_istat" in body:
        data["comune"] = body["comune_istat"]
    return data


def register(api) -> None:
    @api.route("/partners/organisations", summary="Organisations of the registry the user may read (paged)",
               tag="partners", model=PartnerOrganisation, params=PAGE_PARAMS, response=PAGE_SCHEMA)
    def organisations():
        stmt = scoped(PartnerOrganisation, "read", api_user())
        stmt = stmt.order_by(Organisation.legal_name, Organisation.id)
        return jsonify(paginated(stmt, organisation_json))

    @api.route("/partners/organisations/<int:organisation_id>", summary="One organisation of the registry",
               tag="partners", model=PartnerOrganisation, params=ID_PARAM, response=ORGANISATION_SCHEMA)
    def organisation(organisation_id: int):
        found = get_scoped(PartnerOrganisation, organisation_id, "read", api_user())
        if found is None:
            abort(404)
        return jsonify(organisation_json(found))

    @api.route("/partners/organisations/<int:organisation_id>", methods=("PATCH",), tag="partners",
               summary="Change an organisation (external users: not its name, type, tax codes or status)",
               model=PartnerOrganisation, params=ID_PARAM, response=ORGANISATION_SCHEMA)
    def update_organisation(organisation_id: int):
        user = api_user()
        found = get_scoped(PartnerOrganisation, organisation_id, "write", user)
        if found is None:
            abort(404)
        try:
            services.update_organisation(found, _changes(), user)
        except services.OrganisationInvalid as exc:
            from app.extensions import db

            db.session.rollback()
            response = jsonify({"error": {"code": 422, "name": "Unprocessable Entity", "fields": exc.errors}})
            response.status_code = 422
            return response
        return jsonify(organisation_json(found))
