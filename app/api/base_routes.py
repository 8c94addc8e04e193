"""The kernel's API: who am I, which organisations can I see."""

from __future__ import annotations

from flask import jsonify

from ..models import Organisation
from ..security import scoped
from . import api_user, paginated

ORGANISATION_SCHEMA = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"}, "legal_name": {"type": "string"}, "type": {"type": "string"},
        "codice_fiscale": {"type": "string", "nullable": True}, "partita_iva": {"type": "string", "nullable": True},
        "status": {"type": "string"},
    },
}


def organisation_json(org: Organisation) -> dict:
    return {"id": org.id, "legal_name": org.legal_name, "type": org.type, "codice_fiscale": org.codice_fiscale,
            "partita_iva": org.partita_iva, "status": org.status}


def register(api) -> None:
    @api.route("/me", summary="The user the token belongs to", response={
        "type": "object", "properties": {"id": {"type": "integer"}, "email": {"type": "string"},
                                         "roles": {"type": "array", "items": {"type": "string"}},
                                         "organisation_id": {"type": "integer", "nullable": True}}})
    def me():
        user = api_user()
        return jsonify({"id": user.id, "email": user.email, "full_name": user.full_name,
                        "roles": sorted(user.role_keys), "organisation_id": user.organisation_id,
                        "language": user.language})

    @api.route("/organisations", summary="Organisations the user may read (paged)", model=Organisation, params=[
        {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}},
        {"name": "per_page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100}},
    ], response={"type": "object", "properties": {"items": {"type": "array", "items": ORGANISATION_SCHEMA},
                                                  "total": {"type": "integer"}}})
    def organisations():
        stmt = scoped(Organisation, "read", api_user()).order_by(Organisation.legal_name, Organisation.id)
        return jsonify(paginated(stmt, organisation_json))
