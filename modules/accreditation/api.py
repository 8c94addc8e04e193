"""The accreditation's API: the applications a token's user may read, and the public register."""

from __future__ import annotations

from flask import abort, jsonify, request
from sqlalchemy import select

from app.api import api_user, paginated
from app.extensions import db
from app.security import get_scoped, scoped

from .models import Application, Scheme
from .register import COLUMNS, register_rows

_DATE = {"type": "string", "format": "date", "nullable": True}
APPLICATION_SCHEMA = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"}, "organisation_id": {"type": "integer"}, "organisation": {"type": "string"},
        "scheme": {"type": "string"}, "state": {"type": "string"},
        "shared_value_percent": {"type": "string", "nullable": True, "description": "Decimal, up to 4 places"},
        "expected_contract_value": {"type": "string", "description": "Euros, 2 places"},
        "previous_id": {"type": "integer", "nullable": True}, "starts_on": _DATE, "valid_until": _DATE,
        "submitted_at": {"type": "string", "format": "date-time", "nullable": True},
    },
}
PAGE_PARAMS = [
    {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}},
    {"name": "per_page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100}},
    {"name": "state", "in": "query", "schema": {"type": "string"}},
]
SCHEME_PARAM = [{"name": "scheme", "in": "query", "schema": {"type": "string"},
                 "description": "A scheme key, e.g. provider or local_supplier"}]
REGISTER_SCHEMA = {"type": "object", "properties": {"items": {"type": "array", "items": {
    "type": "object", "properties": {key: {"type": "string", "nullable": True} for key, _label in COLUMNS}}}}}


def _text(value) -> str | None:
    return None if value is None else str(value)


def application_json(application: Application) -> dict:
    return {
        "id": application.id, "organisation_id": application.organisation_id,
        "organisation": application.organisation.legal_name, "scheme": application.scheme.key,
        "state": application.state, "shared_value_percent": _text(application.shared_value_percent),
        "expected_contract_value": _text(application.expected_contract_value),
        "previous_id": application.previous_id,
        "starts_on": application.starts_on.isoformat() if application.starts_on else None,
        "valid_until": application.valid_until.isoformat() if application.valid_until else None,
        "submitted_at": application.submitted_at.isoformat() if application.submitted_at else None,
    }


def _register_json(row: dict) -> dict:
    """Dates as ISO strings, the percentage as an exact decimal string."""
    return {key: _text(value) for key, value in row.items()}


def _known_scheme(key: str) -> bool:
    return db.session.scalar(select(Scheme.id).where(Scheme.key == key)) is not None


def register(api) -> None:
    @api.route("/accreditations", summary="Accreditation applications the user may read (paged)",
               tag="accreditation", model=Application, params=PAGE_PARAMS,
               response={"type": "object", "properties": {"items": {"type": "array", "items": APPLICATION_SCHEMA},
                                                          "total": {"type": "integer"}}})
    def accreditations():
        stmt = scoped(Application, "read", api_user()).order_by(Application.id)
        if request.args.get("state"):
            stmt = stmt.where(Application.state == request.args["state"])
        return jsonify(paginated(stmt, application_json))

    @api.route("/accreditations/<int:application_id>", summary="One accreditation application",
               tag="accreditation", model=Application, response=APPLICATION_SCHEMA)
    def accreditation(application_id: int):
        found = get_scoped(Application, application_id, "read", api_user())
        if found is None:
            abort(404)
        return jsonify(application_json(found))

    @api.route("/public/register", summary="The public register of accredited organisations", tag="accreditation",
               public=True, params=SCHEME_PARAM, response=REGISTER_SCHEMA)
    def public_register():
        key = request.args.get("scheme", "").strip() or None
        if key and not _known_scheme(key):
            abort(404, description="Unknown scheme.")
        return jsonify({"items": [_register_json(row) for row in register_rows(key)]})
